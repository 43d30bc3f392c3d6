import { CopyButton } from "../components/copy-button.tsx";

/** A secret the server returns only when it is created (an API key, a widget's script tag), to copy now. */
export function ShownOnce({
  notice,
  text,
  copyLabel,
  codeClassName = "command",
}: {
  notice: string;
  text: string;
  copyLabel: string;
  codeClassName?: string;
}) {
  return (
    <div className="success new-key" role="status">
      <p>{notice}</p>
      <div className="command-row">
        <code className={codeClassName}>{text}</code>
        <CopyButton text={text} label={copyLabel} />
      </div>
    </div>
  );
}
