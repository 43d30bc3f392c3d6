const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
const command = isMac ? "⌘" : "Ctrl";

const shortcuts: Array<[string, string]> = [
  [`${command}+Shift+O`, "New chat"],
  [`${command}+K`, "Search conversations"],
  ["Esc", "Stop the reply being written"],
  ["Enter", "Send the message"],
  ["Shift+Enter", "New line in the message"],
];

export function ShortcutsPanel() {
  return (
    <section className="panel" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <dl className="shortcut-list">
        {shortcuts.map(([keys, action]) => (
          <div key={keys}>
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{action}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
