export function SiteHeader({ version }: { version: string | null }) {
  return (
    <header className="site-header">
      <h1>Nexus</h1>
      {version && <span className="version">v{version}</span>}
    </header>
  );
}
