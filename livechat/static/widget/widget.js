// Our chat on the organisation's own website (livechat/widget.py). A site adds one script tag:
//   <script src="https://<live chat>/widget.js" defer></script>
// and gets a launcher button at the bottom right that opens our chat page (/chat/widget) in a
// panel, in the same window: the customer's conversation, the hand-over to a colleague and back
// all happen there, exactly as on /chat.
//
// The live chat serves this function followed by its configuration, `({...});`:
//   chat_url      the chat page for the frame
//   organisation  the organisation's name (the panel's title)
//   colours       {primary, text}: the launcher and the panel's top bar (config/organisation.yml)
//
// The site's own Content-Security-Policy needs only the live chat's origin in script-src and
// frame-src: no inline code, no <style> element, no style attribute. Styles are set through the
// CSSOM (element.style), which CSP allows. The panel stays open when the customer goes to another
// page of the site (sessionStorage of the site), and the chat page keeps the conversation.
(function naadloosChatWidget(config) {
  "use strict";

  const ROOT_ID = "naadloos-chat";
  const OPEN_KEY = "naadloos.widget.open";
  const LABEL_OPEN = "Chat met ons";
  const LABEL_CLOSE = "Chat sluiten";
  const SVG = "http://www.w3.org/2000/svg";
  const SPEECH_BUBBLE = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  const CROSS = "M6 6l12 12M18 6L6 18";
  const narrow = window.matchMedia("(max-width: 480px)");
  const colours = config.colours;

  if (document.getElementById(ROOT_ID)) return; // the script tag twice: one launcher

  function element(tag, attributes, styles) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    Object.entries(styles || {}).forEach(([name, value]) => node.style.setProperty(name, value));
    return node;
  }

  function icon(path, filled) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "26");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const line = document.createElementNS(SVG, "path");
    line.setAttribute("d", path);
    line.setAttribute("fill", filled ? "currentColor" : "none");
    line.setAttribute("stroke", "currentColor");
    line.setAttribute("stroke-width", "2");
    line.setAttribute("stroke-linecap", "round");
    line.setAttribute("stroke-linejoin", "round");
    svg.appendChild(line);
    return svg;
  }

  // A clear focus ring in the organisation's colour for keyboard users (:focus-visible).
  function focusRing(button, colour) {
    button.addEventListener("focus", () => {
      if (button.matches(":focus-visible")) button.style.setProperty("outline", "3px solid " + colour);
    });
    button.addEventListener("blur", () => button.style.setProperty("outline", "none"));
  }

  const BUTTON = {
    "display": "inline-flex", "align-items": "center", "justify-content": "center", "margin": "0",
    "padding": "0", "border": "0", "cursor": "pointer", "outline": "none", "outline-offset": "3px",
    "background": colours.primary, "color": colours.text, "font": "inherit",
  };

  const root = element("div", { id: ROOT_ID }, {
    "position": "fixed", "right": "20px", "bottom": "20px", "z-index": "2147483000",
    "display": "flex", "flex-direction": "column", "align-items": "flex-end",
    "font-family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "font-size": "16px",
  });
  const title = "Chat met " + config.organisation;
  const panel = element("div", { id: ROOT_ID + "-panel", role: "dialog", "aria-label": title, hidden: "" }, {
    "display": "none", "flex-direction": "column", "overflow": "hidden", "background": "#ffffff",
    "border-radius": "12px", "box-shadow": "0 8px 28px rgba(0, 0, 0, 0.28)",
  });
  const bar = element("div", {}, {
    "display": "flex", "align-items": "center", "justify-content": "space-between", "gap": "8px",
    "padding": "0 0 0 16px", "background": colours.primary, "color": colours.text,
  });
  const heading = element("span", {}, { "font-weight": "600" });
  heading.textContent = config.organisation;
  const close = element("button", { type: "button", id: ROOT_ID + "-close", "aria-label": LABEL_CLOSE },
    Object.assign({}, BUTTON, { "width": "44px", "height": "44px" }));
  close.appendChild(icon(CROSS, false));
  bar.append(heading, close);
  panel.appendChild(bar);

  const launcher = element("button", {
    type: "button", id: ROOT_ID + "-launcher", "aria-label": LABEL_OPEN,
    "aria-expanded": "false", "aria-controls": panel.id,
  }, Object.assign({}, BUTTON, {
    "width": "60px", "height": "60px", "border-radius": "50%",
    "box-shadow": "0 4px 14px rgba(0, 0, 0, 0.3)",
  }));
  launcher.appendChild(icon(SPEECH_BUBBLE, true));
  focusRing(launcher, colours.primary);
  focusRing(close, colours.text);
  root.append(panel, launcher);

  let frame = null; // made on first open: the chat connects only when the customer asks for it

  function isOpen() {
    return launcher.getAttribute("aria-expanded") === "true";
  }

  // Beside the launcher on a wide screen; the whole screen on a phone (the launcher then hides:
  // it would cover the chat's send button; the close button is in the bar).
  function layout() {
    const full = narrow.matches;
    const sizes = full
      ? { "position": "fixed", "inset": "0", "width": "100%", "height": "100%", "border-radius": "0", "margin": "0" }
      : { "position": "static", "inset": "auto", "width": "min(380px, calc(100vw - 40px))",
          "height": "min(640px, calc(100vh - 110px))", "border-radius": "12px", "margin": "0 0 16px 0" };
    Object.entries(sizes).forEach(([name, value]) => panel.style.setProperty(name, value));
    launcher.style.setProperty("display", full && isOpen() ? "none" : "inline-flex");
  }

  function remember(open) {
    try {
      if (open) window.sessionStorage.setItem(OPEN_KEY, "1");
      else window.sessionStorage.removeItem(OPEN_KEY);
    } catch (ignored) { /* storage blocked: the panel just starts closed on the next page */ }
  }

  function open(moveFocus) {
    if (!frame) {
      frame = element("iframe", {
        src: config.chat_url,
        title: "Chat met de klantenservice van " + config.organisation,
        // The chat page may not navigate this site's page, only open links in a new tab.
        sandbox: "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-downloads",
      }, { "flex": "1", "width": "100%", "border": "0", "background": "#f3f5f7" });
      panel.appendChild(frame);
    }
    panel.hidden = false;
    panel.style.setProperty("display", "flex");
    launcher.setAttribute("aria-expanded", "true");
    layout();
    remember(true);
    if (moveFocus) frame.focus();
  }

  function hide() {
    panel.hidden = true;
    panel.style.setProperty("display", "none");
    launcher.setAttribute("aria-expanded", "false");
    layout();
    remember(false);
    launcher.focus();
  }

  launcher.addEventListener("click", () => (isOpen() ? hide() : open(true)));
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") hide(); });
  narrow.addEventListener("change", layout);

  function mount() {
    document.body.appendChild(root);
    layout();
    let reopen = false;
    try { reopen = window.sessionStorage.getItem(OPEN_KEY) === "1"; } catch (ignored) { /* blocked */ }
    if (reopen) open(false);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})
