/**
 * The widget's stylesheet, inside its shadow root: the page's CSS cannot reach it and it cannot
 * reach the page. The page's rules still match the host element itself (`* { font-size: 40px
 * !important }` would be inherited), so everything hangs off `.nx`, which sets its own font,
 * color and position. `--nx-primary` and `--nx-on-primary` carry the theme.
 */
export const widgetStyles = `
:host{all:initial}
.nx{position:fixed;bottom:20px;z-index:2147483000;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;text-align:left}
.right{right:20px}.left{left:20px}
*{box-sizing:border-box;font:inherit;color:inherit}
button{cursor:pointer;border:0;background:none;padding:0}
:focus-visible{outline:2px solid var(--nx-primary);outline-offset:2px}
.bubble{width:56px;height:56px;border-radius:50%;background:var(--nx-primary);color:var(--nx-on-primary);box-shadow:0 6px 20px rgba(0,0,0,.25);display:grid;place-items:center}
.bubble svg{width:26px;height:26px;fill:currentColor}
.panel{position:absolute;bottom:72px;width:min(380px,calc(100vw - 40px));height:min(560px,calc(100vh - 120px));background:#fff;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}
.right .panel{right:0}.left .panel{left:0}
.panel[hidden]{display:none}
header{display:flex;align-items:center;gap:10px;padding:12px 14px;background:var(--nx-primary);color:var(--nx-on-primary)}
header h2{flex:1;margin:0;font-size:15px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.avatar{width:28px;height:28px;border-radius:50%;display:grid;place-items:center;font-size:18px;overflow:hidden}
.avatar img{width:100%;height:100%;object-fit:cover}
.close{font-size:22px;line-height:1;width:32px;height:32px;border-radius:8px}
.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:8px;background:#f9fafb}
.message{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}
.assistant{align-self:flex-start;background:#fff;border:1px solid #e5e7eb}
.user{align-self:flex-end;background:var(--nx-primary);color:var(--nx-on-primary)}
.message[data-status=generating]:empty::after{content:"…"}
.note{font-size:12px;color:#6b7280;margin-top:4px}
.suggestions{display:flex;flex-wrap:wrap;gap:6px;padding:0 14px 10px;background:#f9fafb}
.suggestions button{border:1px solid var(--nx-primary);color:var(--nx-primary);border-radius:999px;padding:4px 10px;font-size:13px;background:#fff}
.error{margin:0;padding:8px 14px;background:#fef2f2;color:#991b1b;font-size:13px}
.error[hidden]{display:none}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #e5e7eb;background:#fff}
textarea{flex:1;resize:none;border:1px solid #d1d5db;border-radius:10px;padding:8px 10px;max-height:120px;min-height:38px}
.send,.stop{min-width:38px;height:38px;border-radius:10px;background:var(--nx-primary);color:var(--nx-on-primary);font-weight:600;padding:0 10px}
.send[hidden],.stop[hidden]{display:none}
@media (max-width:480px){.nx{bottom:12px}.right{right:12px}.left{left:12px}
.panel{position:fixed;inset:0;width:auto;height:auto;border-radius:0}}
`;
