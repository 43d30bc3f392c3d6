/** What the page's `<script>` tag says: where Nexus is, the site token, and theme overrides. */
export interface WidgetConfig {
  /** The Nexus server's origin, from the script's own URL. */
  apiBase: string;
  token: string;
  position?: "left" | "right";
  color?: string;
  title?: string;
}

const colorPattern = /^#(?:[0-9a-fA-F]{3}){1,2}$/;

/**
 * Reads `data-token`, `data-position`, `data-color` and `data-title` from the script tag.
 * Values that are not valid are ignored (the token's theme applies), so a typo cannot inject CSS.
 */
export function readWidgetConfig(attributes: {
  src: string;
  dataset: Record<string, string | undefined>;
}): WidgetConfig | undefined {
  const { dataset } = attributes;
  const token = dataset.token?.trim();
  if (!token) return undefined;
  const position = dataset.position === "left" || dataset.position === "right" ? dataset.position : undefined;
  const color = dataset.color && colorPattern.test(dataset.color) ? dataset.color : undefined;
  const title = dataset.title?.trim().slice(0, 60) || undefined;
  return { apiBase: new URL(attributes.src).origin, token, position, color, title };
}

/** Black or white, whichever reads better on `color` (#rgb or #rrggbb). */
export function textColorOn(color: string): string {
  const hex =
    color.length === 4 ? [...color.slice(1)].map((digit) => digit + digit).join("") : color.slice(1);
  const [red, green, blue] = [0, 2, 4].map((start) => Number.parseInt(hex.slice(start, start + 2), 16) / 255);
  const linear = (channel = 0) => (channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4);
  const luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue);
  return luminance > 0.4 ? "#111827" : "#ffffff";
}
