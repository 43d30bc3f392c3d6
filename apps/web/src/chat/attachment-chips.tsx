import type { MessagePart } from "../chat-types.ts";
import { FileIcon } from "../components/icons.tsx";
import { isImageDataUrl } from "./attachments.ts";

/** Attached images and text files, on a message or in the composer (with a remove button). */
export function AttachmentChips({
  parts,
  onRemove,
}: {
  parts: MessagePart[];
  onRemove?: (index: number) => void;
}) {
  return (
    <ul className="attachments">
      {parts.map((part, index) => {
        if (part.type !== "image" && part.type !== "text_file") return null;
        const name = part.name ?? "image";
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: attachments have no id and never reorder
          <li key={index} className={`attachment attachment-${part.type}`} data-name={name}>
            {part.type === "image" && isImageDataUrl(part.dataUrl) ? (
              <img src={part.dataUrl} alt={name} />
            ) : (
              <span className="attachment-icon" aria-hidden="true">
                <FileIcon />
              </span>
            )}
            <span className="attachment-name">{name}</span>
            {part.type === "text_file" && (
              <span className="muted small">{part.text.length.toLocaleString("en")} chars</span>
            )}
            {onRemove && (
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove ${name}`}
                onClick={() => onRemove(index)}
              >
                ×
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
