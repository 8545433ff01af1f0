// Turns message text into DOM nodes with clickable phone numbers (tel:), e-mail addresses (mailto:)
// and web addresses (https: only). Nothing from a message ever becomes HTML: the text goes into text
// nodes, links are made with createElement and get only these three kinds of href. Long addresses
// get <wbr> break points (after "@", "." and "/"), so they wrap there and not mid-word.
"use strict";

window.NaadloosLinks = (function () {
  const URL_PART = String.raw`https:\/\/[^\s<>"'{}|\\^\x60]+`;
  const EMAIL_PART = String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`;
  // Dutch numbers as people write them: 0800-123 45 67, 06-12345678, 088 123 45 67, +31 6 12345678.
  const PHONE_PART = String.raw`(?:\+31[ -]?|0)\d(?:[ -]?\d){6,10}`;
  const PATTERN = new RegExp(
    String.raw`(?<![\w@.+/-])(?:(${URL_PART})|(${EMAIL_PART})|(${PHONE_PART}))(?![\w@])`, "g");
  const TRAILING = /[.,;:!?)\]'"]+$/;

  function withBreaks(text, after) {
    const fragment = document.createDocumentFragment();
    let part = "";
    for (const character of text) {
      if (character === "@" && part) { fragment.append(part); fragment.append(document.createElement("wbr")); part = ""; }
      part += character;
      if (after.includes(character)) { fragment.append(part); fragment.append(document.createElement("wbr")); part = ""; }
    }
    if (part) fragment.append(part);
    return fragment;
  }

  function link(href, shown, breakAfter) {
    const node = document.createElement("a");
    node.href = href;
    node.className = "inline-link";
    if (href.startsWith("https:")) {
      node.target = "_blank";
      node.rel = "noopener noreferrer";
    }
    node.append(withBreaks(shown, breakAfter));
    return node;
  }

  function safeHttps(candidate) {
    try {
      const url = new URL(candidate);
      return url.protocol === "https:" && url.hostname ? url.href : null;
    } catch (ignored) {
      return null;
    }
  }

  function phoneHref(number) {
    const digits = number.replace(/[^\d+]/g, "");
    const count = digits.replace("+", "").length;
    return count >= 8 && count <= 12 ? "tel:" + digits : null;
  }

  /** A fragment: `text` as text nodes, with safe links for what looks like a number or address. */
  function render(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(PATTERN)) {
      let found = match[0];
      let node = null;
      if (match[1]) {
        found = found.replace(TRAILING, "");
        const href = safeHttps(found);
        if (href) node = link(href, found, "/.?&=");
      } else if (match[2]) {
        node = link("mailto:" + found, found, ".");
      } else {
        const href = phoneHref(found);
        if (href) node = link(href, found, "");
      }
      if (!node) continue;
      fragment.append(text.slice(last, match.index), node);
      last = match.index + found.length;
    }
    fragment.append(text.slice(last));
    return fragment;
  }

  return { render };
})();
