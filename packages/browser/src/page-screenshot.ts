/** Something that can send a CDP command to its page (Stagehand's page). */
export interface CdpPage {
  sendCDP<Result>(method: string, params?: object): Promise<Result>;
}

interface VisualViewport {
  pageX: number;
  pageY: number;
  clientWidth: number;
  clientHeight: number;
}

/**
 * A PNG of what the page shows, error pages included. Straight to CDP: Stagehand's screenshot adds
 * caret hiding and a scale probe (several round trips) that a report image does not need, and fast
 * PNG encoding trades size for time. `scale` below 1 captures the visible viewport smaller, which
 * takes about half the time at 0.5 (the browser renders fewer pixels).
 */
export async function captureScreenshot(page: CdpPage, scale = 1): Promise<Buffer> {
  let clip: { x: number; y: number; width: number; height: number; scale: number } | undefined;
  if (scale < 1) {
    const { cssVisualViewport: viewport } = await page.sendCDP<{ cssVisualViewport: VisualViewport }>(
      "Page.getLayoutMetrics",
    );
    // Clip coordinates are the document's: start where the page is scrolled to.
    clip = {
      x: viewport.pageX,
      y: viewport.pageY,
      width: viewport.clientWidth,
      height: viewport.clientHeight,
      scale,
    };
  }
  const { data } = await page.sendCDP<{ data: string }>("Page.captureScreenshot", {
    format: "png",
    optimizeForSpeed: true,
    ...(clip ? { clip } : {}),
  });
  return Buffer.from(data, "base64");
}
