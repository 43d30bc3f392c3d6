import type { ReactNode } from "react";
import { SidebarButton } from "./sidebar-button.tsx";

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
      <SidebarButton onOpenSidebar={onOpenSidebar} />
      <h2>{title}</h2>
      <div className="page-bar-actions">{children}</div>
    </header>
  );
}
