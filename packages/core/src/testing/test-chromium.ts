/**
 * How tests and benchmarks launch the machine's Chromium with playwright-core
 * (`chromium.launch(testChromium)`): headless, no sandbox (containers), no GPU, nothing phoning home.
 */
export const testChromium = {
  executablePath: process.env.NEXUS_CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};
