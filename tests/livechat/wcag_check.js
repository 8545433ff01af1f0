// WCAG 2.1 AA on the rendered page, for tests (evaluated through tests/e2e/browser.py).
// Every visible element with its own text: contrast of its computed colour against the background it
// is drawn on (ancestors' backgrounds composited, white below) >= 4.5:1, or 3:1 for large text
// (24 px, or 18.66 px bold). Every button, textarea and attachment link: its edge (background or
// border) >= 3:1 against what is around it, and at least 44x44 CSS pixels. No opacity below 1,
// which would make the computed colours lie. Answers {checked, problems}.
(() => {
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor); if (c[3] > 0) layers.push(c); if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((acc, layer) => over(layer, acc), [255, 255, 255, 1]);
  };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden"
    && !el.closest("[hidden]") && !el.closest(".visually-hidden");
  const opacity = (el) => { let o = 1; for (let n = el; n && n.nodeType === 1; n = n.parentElement) o *= Number(getComputedStyle(n).opacity); return o; };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).split(" ").join(".") : "")
    + " '" + (el.textContent || el.placeholder || "").trim().slice(0, 30) + "'";
  const problems = []; let checked = 0;
  for (const el of document.querySelectorAll("body *")) {
    if (!shown(el) || ["SCRIPT", "STYLE", "BR", "WBR"].includes(el.tagName)) continue;
    const style = getComputedStyle(el);
    const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const control = el.matches("button, textarea, a.attachment");
    if (!ownText && !control) continue;
    checked += 1;
    if (opacity(el) < 1) problems.push(name(el) + ": opacity " + opacity(el));
    const bg = background(el);
    const size = parseFloat(style.fontSize); const bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const text = ratio(over(parse(style.color), bg), bg);
    if ((ownText || el.tagName === "TEXTAREA") && text < needed) problems.push(name(el) + ": text " + text.toFixed(2) + " < " + needed);
    if (control) {
      const around = background(el.parentElement);
      const edges = [ratio(bg, around)];
      if (parseFloat(style.borderTopWidth) > 0) edges.push(ratio(over(parse(style.borderTopColor), around), around));
      const hasEdge = parse(style.backgroundColor)[3] > 0 || parseFloat(style.borderTopWidth) > 0;
      if (hasEdge && Math.max(...edges) < 3) problems.push(name(el) + ": edge " + Math.max(...edges).toFixed(2) + " < 3");
      const box = el.getBoundingClientRect();
      if (box.width < 44 || box.height < 44) problems.push(name(el) + ": target " + box.width.toFixed(0) + "x" + box.height.toFixed(0));
    }
  }
  return {checked, problems};
})()
