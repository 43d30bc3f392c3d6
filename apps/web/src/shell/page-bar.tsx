import type { ReactNode } from "react";
import { MenuIcon } from "../components/icons.tsx";

/** The heading row of a page other than the chat, with the sidebar button for narrow screens. */
export function PageBar({
  title,
  onOpenSidebar,
  children,
}: {
  title: string;
  onOpenSidebar: () => void;
  children?: ReactNode;
}) {
  return (
    <header className="page-bar">
      <button
        type="button"
        className="icon-button menu-button"
        aria-label="Open the sidebar"
        onClick={onOpenSidebar}
      >
        <MenuIcon />
      </button>
      <h2>{title}</h2>
      <div className="page-bar-actions">{children}</div>
    </header>
  );
}
