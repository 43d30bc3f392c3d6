import type { Me, Workspace } from "../api-types.ts";
import { HealthPanel } from "../components/health-panel.tsx";
import { ModelsPanel } from "../components/models-panel.tsx";
import type { SessionActions } from "../shell/chat-app.tsx";
import { PageBar } from "../shell/page-bar.tsx";
import { type SettingsSection, settingsSections } from "../shell/use-route.ts";
import type { ThemePreference } from "../shell/use-theme.ts";
import { useHealth } from "../use-health.ts";
import type { ModelSetup } from "../use-model-setup.ts";
import { AliasesPanel } from "./aliases-panel.tsx";
import { ApiKeysPanel } from "./api-keys-panel.tsx";
import { AppearancePanel } from "./appearance-panel.tsx";
import { ProvidersPanel } from "./providers-panel.tsx";
import { ShortcutsPanel } from "./shortcuts-panel.tsx";
import { WidgetTokensPanel } from "./widget-tokens-panel.tsx";
import { WorkspaceSwitcher } from "./workspace-switcher.tsx";

const sectionTitles: Record<SettingsSection, string> = {
  workspace: "Workspace",
  models: "Models",
  keys: "API keys",
  widget: "Chat widget",
  appearance: "Appearance",
  shortcuts: "Shortcuts",
  health: "Health",
};

interface SettingsPageProps {
  section: SettingsSection;
  me: Me;
  workspaces: Workspace[];
  session: SessionActions;
  setup: ModelSetup;
  theme: ThemePreference;
  onThemeChange: (theme: ThemePreference) => void;
  onOpenSidebar: () => void;
}

/** Workspace, models and providers, keys, theme, shortcuts and health, one section at a time. */
export function SettingsPage(props: SettingsPageProps) {
  const { section } = props;
  return (
    <div className="page settings-page">
      <PageBar title="Settings" onOpenSidebar={props.onOpenSidebar} />
      <nav className="settings-tabs" aria-label="Settings sections">
        {settingsSections.map((candidate) => (
          <a
            key={candidate}
            href={`#/settings/${candidate}`}
            aria-current={candidate === section ? "page" : undefined}
          >
            {sectionTitles[candidate]}
          </a>
        ))}
      </nav>
      <div className="settings-content">
        {section === "workspace" && (
          <WorkspaceSwitcher me={props.me} workspaces={props.workspaces} session={props.session} />
        )}
        {section === "models" && (
          <>
            <ModelsPanel setup={props.setup} />
            <ProvidersAndAliases onChanged={() => void props.setup.refreshModels()} />
          </>
        )}
        {section === "keys" && <ApiKeysPanel role={props.me.role} />}
        {section === "widget" && <WidgetTokensPanel role={props.me.role} />}
        {section === "appearance" && <AppearancePanel theme={props.theme} onChange={props.onThemeChange} />}
        {section === "shortcuts" && <ShortcutsPanel />}
        {section === "health" && <HealthSection />}
      </div>
    </div>
  );
}

function ProvidersAndAliases({ onChanged }: { onChanged: () => void }) {
  return (
    <>
      <ProvidersPanel onChanged={onChanged} />
      <AliasesPanel onChanged={onChanged} />
    </>
  );
}

function HealthSection() {
  const health = useHealth();
  return <HealthPanel {...health} />;
}
