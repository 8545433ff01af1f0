// The insight page (/desk/inzicht): reads GET /api/insight for the chosen period and channel and
// fills the figures and tables; the two charts are SVG images drawn by the service. Chosen
// not-understood messages become a draft NLU file (POST /api/insight/nlu-export). Everything goes
// in as textContent (deskDom.element): no text is parsed as HTML.
"use strict";
(() => {
  const { $, element } = window.deskDom;
  const percent = (rate) => (rate === null || rate === undefined ? "–" : `${Math.round(rate * 1000) / 10}%`);
  const seconds = (value) => {
    if (value === null || value === undefined) return "–";
    const whole = Math.round(value);
    return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
  };
  const day = (date) => date.toISOString().slice(0, 10);

  function query() {
    const params = new URLSearchParams({ from: $("filter-from").value, to: $("filter-to").value });
    if ($("filter-channel").value) params.set("channel", $("filter-channel").value);
    return params.toString();
  }

  function fillRows(id, rows) {
    const body = $(id);
    body.replaceChildren();
    if (!rows.length) {
      const row = element("tr");
      const cell = element("td", null, "Niets in deze periode.");
      cell.colSpan = 4;
      row.append(cell);
      body.append(row);
    }
    for (const cells of rows) {
      const row = element("tr");
      for (const value of cells) {
        if (value instanceof Node) {
          const cell = element("td");
          cell.append(value);
          row.append(cell);
        } else {
          row.append(element("td", typeof value === "number" ? "number" : null, value));
        }
      }
      body.append(row);
    }
  }

  function show(data) {
    $("fig-conversations").textContent = data.conversations;
    $("fig-contained").textContent = data.contained;
    $("fig-rate").textContent = percent(data.containment_rate);
    $("fig-handovers").textContent = data.handovers;
    fillRows("table-reasons", data.handovers_by_reason.map((r) => [r.label, r.count]));
    fillRows("table-teams", data.handovers_by_team.map((t) => [t.label, t.count]));
    fillRows("table-faq", data.faq_helped.map((f) => [f.label, f.yes, f.no, percent(f.helped_rate)]));
    const desk = data.desk;
    $("fig-desk-handovers").textContent = desk.desk_handovers;
    $("fig-accepted").textContent = desk.accepted;
    $("fig-wait-average").textContent = seconds(desk.wait_seconds_average);
    $("fig-wait-median").textContent = seconds(desk.wait_seconds_median);
    $("fig-wait-longest").textContent = seconds(desk.wait_seconds_longest);
    $("fig-tickets").textContent = `${desk.tickets.created} / ${desk.tickets.handled}`;
    $("fig-callbacks").textContent = `${desk.callbacks.created} / ${desk.callbacks.handled}`;
    $("fig-satisfaction-answers").textContent = data.satisfaction.answers;
    $("fig-satisfaction-average").textContent = data.satisfaction.average ?? "–";
    fillRows("table-satisfaction", Object.entries(data.satisfaction.per_score).map(([score, count]) => [score, count]));
    fillRows("table-not-understood", data.not_understood.map((item) => {
      const box = element("input");
      box.type = "checkbox";
      box.value = item.text;
      box.setAttribute("aria-label", `Kies: ${item.text}`);
      return [box, item.text, item.count];
    }));
    const charts = query();
    $("chart-containment").src = `/api/insight/charts/containment.svg?${charts}`;
    $("chart-reasons").src = `/api/insight/charts/reasons.svg?${charts}`;
  }

  async function problem(reply) {
    if (reply.status === 401) return "Log eerst in op de desk.";
    if (reply.status === 403) return "Deze pagina is alleen voor teamleiders en ontwerpers.";
    if (reply.status === 503) return "De gesprekken van de assistent zijn nu niet te lezen. Probeer het later opnieuw.";
    const body = await reply.json().catch(() => ({}));
    if (reply.status === 400 && (body.field === "from" || body.field === "to")) {
      return "Controleer de periode: hoogstens een jaar, en 'Van' ligt niet na 'Tot en met'.";
    }
    if (reply.status === 400) return "Controleer je keuze en probeer het opnieuw.";
    return `Er ging iets mis (${reply.status}).`;
  }

  async function load() {
    $("insight-error").textContent = "";
    const reply = await fetch(`/api/insight?${query()}`, { credentials: "same-origin" });
    if (!reply.ok) {
      $("insight-error").textContent = await problem(reply);
      return;
    }
    const data = await reply.json();
    const select = $("filter-channel");
    if (select.options.length === 1) {
      for (const channel of data.channels) select.append(new Option(channel.label, channel.channel));
    }
    show(data);
    await loadReview();
  }

  // --- conversation review: the list, one transcript and its tags --------------------------------
  let reviewTags = {};

  async function loadReview() {
    const params = new URLSearchParams(query());
    if ($("review-tag").value) params.set("tag", $("review-tag").value);
    const reply = await fetch(`/api/insight/conversations?${params}`, { credentials: "same-origin" });
    if (!reply.ok) {
      $("insight-error").textContent = await problem(reply);
      return;
    }
    const data = await reply.json();
    reviewTags = data.tags;
    const select = $("review-tag");
    if (select.options.length === 1) {
      for (const [code, label] of Object.entries(reviewTags)) select.append(new Option(`Met label: ${label}`, code));
    }
    fillRows("table-review", data.items.map((item) => {
      const open = element("button", null, "Bekijk");
      open.type = "button";
      open.setAttribute("aria-label", `Bekijk gesprek van ${new Date(item.started_at).toLocaleString("nl-NL")}`);
      open.addEventListener("click", () => openConversation(item.conversation_id));
      return [new Date(item.started_at).toLocaleString("nl-NL"), item.channel,
        item.handover_reasons.join(", ") || "nee", item.tags.map((tag) => reviewTags[tag] || tag).join(", "), open];
    }));
  }

  async function openConversation(id) {
    const reply = await fetch(`/api/insight/conversations/${encodeURIComponent(id)}`, { credentials: "same-origin" });
    if (!reply.ok) {
      $("insight-error").textContent = await problem(reply);
      return;
    }
    const data = await reply.json();
    $("review-id").textContent = id;
    const boxes = $("review-tags");
    boxes.replaceChildren(element("legend", null, "Labels"));
    for (const [code, label] of Object.entries(reviewTags)) {
      const box = element("input");
      box.type = "checkbox";
      box.checked = data.tags.includes(code);
      box.addEventListener("change", () => setTag(id, code, box.checked));
      const wrapper = element("label");
      wrapper.append(box, document.createTextNode(label));
      boxes.append(wrapper);
    }
    const list = $("review-transcript");
    list.replaceChildren();
    for (const line of data.transcript) {
      const item = element("li", line.from);
      item.append(element("span", "who", line.from), document.createTextNode(line.text));
      list.append(item);
    }
    $("review-detail").hidden = false;
  }

  async function setTag(id, tag, on) {
    const reply = await fetch(`/api/insight/conversations/${encodeURIComponent(id)}/tags`, {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tag, on }),
    });
    if (!reply.ok) $("insight-error").textContent = await problem(reply);
    await loadReview();
  }

  async function exportNlu() {
    const texts = [...document.querySelectorAll("#table-not-understood input:checked")].map((box) => box.value);
    if (!texts.length) {
      $("nlu-yaml").value = "Kies eerst een of meer berichten.";
      return;
    }
    const reply = await fetch("/api/insight/nlu-export", {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ texts }),
    });
    $("nlu-yaml").value = reply.ok ? (await reply.json()).yaml : await problem(reply);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const today = new Date();
    $("filter-to").value = day(today);
    $("filter-from").value = day(new Date(today.getTime() - 6 * 24 * 3600 * 1000));
    $("insight-filters").addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    $("export-nlu").addEventListener("click", exportNlu);
    $("review-tag").addEventListener("change", loadReview);
    load();
  });
})();
