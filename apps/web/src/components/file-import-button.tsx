import { useRef } from "react";

/**
 * A button that opens the file picker (a hidden file input) and hands over the file picked. The
 * input is emptied each time, so picking the same file again imports it again.
 */
export function FileImportButton({
  label,
  inputLabel,
  accept,
  className,
  onFile,
}: {
  label: string;
  /** The hidden input's accessible name, e.g. "Agent file". */
  inputLabel: string;
  accept: string;
  className: string;
  onFile: (file: File) => Promise<void>;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={className} onClick={() => input.current?.click()}>
        {label}
      </button>
      <input
        ref={input}
        type="file"
        accept={accept}
        hidden
        aria-label={inputLabel}
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = "";
          if (file) void onFile(file);
        }}
      />
    </>
  );
}
