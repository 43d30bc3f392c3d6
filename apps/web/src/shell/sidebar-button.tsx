import { MenuIcon } from "../components/icons.tsx";

/** The button that opens the sidebar on narrow screens, at the start of every page's heading row. */
export function SidebarButton({ onOpenSidebar }: { onOpenSidebar: () => void }) {
  return (
    <button
      type="button"
      className="icon-button menu-button"
      aria-label="Open the sidebar"
      onClick={onOpenSidebar}
    >
      <MenuIcon />
    </button>
  );
}
