import {
  type ChangeEvent,
  type ClipboardEvent,
  type KeyboardEvent,
  useEffect,
  useRef,
  useState,
} from "react";
import type { AttachmentPart } from "../chat-types.ts";
import { PaperclipIcon } from "../components/icons.tsx";
import { AttachmentChips } from "./attachment-chips.tsx";
import { attachmentOf } from "./attachments.ts";

interface ComposerProps {
  /** Resolves false when the message could not be sent: the draft comes back. */
  onSend(content: string, parts: AttachmentPart[]): Promise<boolean>;
  onStop(): void;
  generating: boolean;
  /** Why sending is not possible right now (no model), shown instead of sending. */
  disabledReason?: string | null;
  placeholder?: string;
}

const touchKeyboard = typeof window !== "undefined" && window.matchMedia("(pointer: coarse)").matches;

/** The message box: Enter sends, Shift+Enter starts a new line; attach images and text files. */
export function Composer({ onSend, onStop, generating, disabledReason, placeholder }: ComposerProps) {
  const [text, setText] = useState("");
  const [parts, setParts] = useState<AttachmentPart[]>([]);
  const [attachError, setAttachError] = useState<string | null>(null);
  const textArea = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  // The box grows with its text up to a limit, then scrolls.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the height is measured again whenever the text changes
  useEffect(() => {
    const area = textArea.current;
    if (!area) return;
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight, 240)}px`;
  }, [text]);

  const canSend = !generating && !disabledReason && (text.trim() !== "" || parts.length > 0);

  async function send() {
    if (!canSend) return;
    const content = text;
    const attached = parts;
    setText("");
    setParts([]);
    setAttachError(null);
    if (!(await onSend(content, attached))) {
      setText(content);
      setParts(attached);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // On a touch keyboard Enter is the only way to a new line; the Send button sends there.
    if (touchKeyboard) return;
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  }

  async function attach(files: File[]) {
    setAttachError(null);
    for (const file of files) {
      try {
        const part = await attachmentOf(file);
        setParts((current) => [...current, part]);
      } catch (error) {
        setAttachError(error instanceof Error ? error.message : String(error));
      }
    }
  }

  function onFiles(event: ChangeEvent<HTMLInputElement>) {
    void attach(Array.from(event.target.files ?? []));
    event.target.value = "";
  }

  function onPaste(event: ClipboardEvent<HTMLTextAreaElement>) {
    const images = Array.from(event.clipboardData.files).filter((file) => file.type.startsWith("image/"));
    if (images.length === 0) return;
    event.preventDefault();
    void attach(images);
  }

  return (
    <div className="composer">
      {parts.length > 0 && (
        <AttachmentChips
          parts={parts}
          onRemove={(index) => setParts(parts.filter((_, at) => at !== index))}
        />
      )}
      {attachError && (
        <p className="error small" role="alert">
          {attachError}
        </p>
      )}
      <div className="composer-row">
        <button
          type="button"
          className="icon-button"
          aria-label="Attach an image or a text file"
          title="Attach an image or a text file"
          onClick={() => fileInput.current?.click()}
        >
          <PaperclipIcon />
        </button>
        <input ref={fileInput} type="file" multiple hidden aria-label="Attachment file" onChange={onFiles} />
        <textarea
          ref={textArea}
          className="composer-input"
          aria-label="Message"
          rows={1}
          value={text}
          placeholder={
            disabledReason ?? placeholder ?? "Message… (Enter to send, Shift+Enter for a new line)"
          }
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        {generating ? (
          <button type="button" className="stop-button" onClick={onStop} title="Stop (Esc)">
            Stop
          </button>
        ) : (
          <button type="button" className="send-button" disabled={!canSend} onClick={() => void send()}>
            Send
          </button>
        )}
      </div>
    </div>
  );
}
