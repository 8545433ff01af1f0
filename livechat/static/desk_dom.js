// Small DOM helpers shared by desk.js and desk_inbox.js (loaded before both). Text goes in as
// textContent only: nothing from a customer or an agent is ever parsed as HTML.
"use strict";
window.deskDom = Object.freeze({
  $: (id) => document.getElementById(id),
  element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  },
});
