// survey's graph page: reads the embedded survey (JSON), draws it with sigma.js, and
// wires the search box, year slider, section filter and paper panel. Every text from
// the survey enters the document through textContent or an attribute, never as markup.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("survey-data").textContent);
  const papers = data.papers;
  const sections = data.sections;
  const byKey = new Map(papers.map((p, i) => [p.key, i]));
  const SIZE_SCALE = 0.35;
  const DIM = "#e2e2e2";

  // Citations by index: cites[i] = papers i cites, citedBy[i] = papers citing i.
  const cites = papers.map(() => []);
  const citedBy = papers.map(() => []);
  for (const [citing, cited] of data.edges) {
    cites[citing].push(cited);
    citedBy[cited].push(citing);
  }

  const graph = new graphology.DirectedGraph();
  papers.forEach((p) => {
    graph.addNode(p.key, {
      x: p.x, y: p.y, size: p.size * SIZE_SCALE, color: p.colour, label: p.label,
    });
  });
  data.edges.forEach(([citing, cited, relation], i) => {
    graph.addDirectedEdgeWithKey("e" + i, papers[citing].key, papers[cited].key, {
      size: data.edges.length > 5000 ? 1 : 2, color: data.relations[relation].colour, type: "arrow",
      citing: citing, cited: cited,
    });
  });

  const years = data.years;
  const state = {
    year: years.length ? years[years.length - 1] : null,
    sectionOn: sections.map(() => true),
    unsectionedOn: true,
    selected: null, // paper index
    lineage: null, // Set of paper indices (without the selected paper)
    direction: null,
  };
  let visible = papers.map(() => true);

  function recompute() {
    visible = papers.map((p) => {
      if (state.year !== null && p.year !== null && p.year > state.year) return false;
      if (!p.sections.length) return state.unsectionedOn;
      return p.sections.some(([s]) => state.sectionOn[s]);
    });
  }

  function nodeReducer(node, attributes) {
    const i = byKey.get(node);
    const shown = { ...attributes };
    if (!visible[i]) {
      shown.hidden = true;
      return shown;
    }
    if (state.lineage !== null) {
      if (i === state.selected || state.lineage.has(i)) {
        shown.highlighted = true;
      } else {
        shown.color = DIM;
        shown.label = null;
      }
    } else if (i === state.selected) {
      shown.highlighted = true;
    }
    return shown;
  }

  function inLineage(i) {
    return i === state.selected || state.lineage.has(i);
  }

  function edgeReducer(edge, attributes) {
    const shown = { ...attributes };
    if (!visible[attributes.citing] || !visible[attributes.cited]) {
      shown.hidden = true;
    } else if (state.lineage !== null && !(inLineage(attributes.citing) && inLineage(attributes.cited))) {
      shown.hidden = true;
    }
    return shown;
  }

  const startedAt = performance.now();
  recompute();
  const container = document.getElementById("graph");
  const renderer = new Sigma(graph, container, {
    nodeReducer: nodeReducer,
    edgeReducer: edgeReducer,
    hideEdgesOnMove: graph.size > 20000,
    labelRenderedSizeThreshold: 6,
    minEdgeThickness: 0.8,
  });

  // Lineage, as `survey query lineage`: every paper reachable from the selected one
  // along citations (ancestors: what it cites, transitively; descendants: what cites it).
  function lineage(start, descendants) {
    const next = descendants ? citedBy : cites;
    const seen = new Set([start]);
    const queue = [start];
    const found = new Set();
    for (let at = 0; at < queue.length; at++) {
      const current = queue[at];
      for (const other of next[current]) {
        if (!seen.has(other)) {
          seen.add(other);
          found.add(other);
          queue.push(other);
        }
      }
    }
    return found;
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function setLink(anchor, href, text) {
    if (href) {
      anchor.href = href;
      anchor.textContent = text;
      anchor.hidden = false;
    } else {
      anchor.removeAttribute("href");
      anchor.textContent = "";
      anchor.hidden = true;
    }
  }

  function pathUrl(base, id) {
    return base + id.split("/").map(encodeURIComponent).join("/");
  }

  function describe(p) {
    return (p.year === null ? "n.d." : String(p.year)) + " " + p.label + ": " + p.title;
  }

  const panel = document.getElementById("panel");

  function select(i, moveCamera) {
    state.selected = i;
    state.lineage = null;
    state.direction = null;
    const p = papers[i];
    document.getElementById("panel-title").textContent = p.title || p.key;
    document.getElementById("panel-authors").textContent = p.authors;
    document.getElementById("panel-venue").textContent =
      [p.venue, p.year === null ? "" : String(p.year)].filter(Boolean).join(", ");
    setLink(document.getElementById("panel-doi"), p.doi ? pathUrl("https://doi.org/", p.doi) : "", p.doi ? "DOI " + p.doi : "");
    setLink(document.getElementById("panel-arxiv"), p.arxiv ? pathUrl("https://arxiv.org/abs/", p.arxiv) : "", p.arxiv ? "arXiv " + p.arxiv : "");
    document.getElementById("panel-key").textContent =
      p.key + (p.short ? " · " + p.short : "") + " · cited by " + p.citations + " here";
    const list = document.getElementById("panel-sections");
    list.replaceChildren();
    for (const [s, provenance, annotation] of p.sections) {
      const item = el("li");
      item.append(el("span", sections[s].label), el("span", " (" + sections[s].path + ", " + provenance + ")", "note"));
      if (annotation) item.append(el("div", annotation, "note"));
      list.append(item);
    }
    if (!p.sections.length) list.append(el("li", "(in no section)", "note"));
    showLineage(null);
    panel.hidden = false;
    if (moveCamera) {
      // Bring the paper into view when it is outside it or under the panel.
      const at = renderer.graphToViewport(graph.getNodeAttributes(p.key));
      const box = container.getBoundingClientRect();
      const free = box.width - panel.getBoundingClientRect().width - 16;
      const shown = renderer.getNodeDisplayData(p.key);
      if (shown && (at.x < 0 || at.x > free || at.y < 0 || at.y > box.height)) {
        renderer.getCamera().animate({ x: shown.x, y: shown.y }, { duration: 300 });
      }
    }
  }

  function showLineage(direction) {
    state.direction = direction;
    state.lineage = direction === null ? null : lineage(state.selected, direction === "descendants");
    const summary = document.getElementById("lineage-summary");
    const list = document.getElementById("lineage-list");
    list.replaceChildren();
    if (state.lineage === null) {
      summary.textContent = "";
    } else {
      const found = [...state.lineage].sort((a, b) =>
        papers[a].key < papers[b].key ? -1 : papers[a].key > papers[b].key ? 1 : 0);
      summary.textContent = found.length + " " + direction + (direction === "ancestors" ? " (what it builds on)" : " (what builds on it)");
      for (const i of found) {
        const item = el("li", describe(papers[i]));
        item.dataset.key = papers[i].key;
        list.append(item);
      }
    }
    renderer.refresh();
  }

  document.getElementById("show-ancestors").addEventListener("click", () => showLineage("ancestors"));
  document.getElementById("show-descendants").addEventListener("click", () => showLineage("descendants"));
  document.getElementById("show-none").addEventListener("click", () => showLineage(null));
  document.getElementById("panel-close").addEventListener("click", () => {
    state.selected = null;
    state.lineage = null;
    panel.hidden = true;
    renderer.refresh();
  });
  renderer.on("clickNode", ({ node }) => select(byKey.get(node), false));

  // Search: every word of the query is the start of a word of the key, short name or
  // title; an exact key or short name comes first, then the most cited.
  const WORD = /[\p{L}\p{N}]+/gu;
  const words = (text) => (String(text).toLowerCase().match(WORD) || []);
  const haystacks = papers.map((p) => words(p.key + " " + p.short + " " + p.title));
  function search(query) {
    const wanted = words(query);
    const exact = query.trim().toLowerCase();
    if (!wanted.length) return [];
    const hits = [];
    papers.forEach((p, i) => {
      if (wanted.every((w) => haystacks[i].some((h) => h.startsWith(w)))) hits.push(i);
    });
    const score = (i) => (papers[i].key.toLowerCase() === exact || papers[i].short.toLowerCase() === exact ? 0 : 1);
    hits.sort((a, b) => score(a) - score(b) || papers[b].citations - papers[a].citations ||
      (papers[a].key < papers[b].key ? -1 : 1));
    return hits;
  }
  const searchBox = document.getElementById("search");
  const results = document.getElementById("search-results");
  let hits = [];
  searchBox.addEventListener("input", () => {
    hits = search(searchBox.value);
    results.replaceChildren();
    for (const i of hits.slice(0, 20)) {
      const button = el("button", describe(papers[i]));
      button.type = "button";
      button.dataset.key = papers[i].key;
      button.addEventListener("click", () => select(i, true));
      const item = el("li");
      item.append(button);
      results.append(item);
    }
    if (searchBox.value.trim() && !hits.length) results.append(el("li", "no paper matches", "note"));
  });
  searchBox.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && hits.length) select(hits[0], true);
  });

  // Year slider: papers up to the chosen year; "replay" steps through the years.
  const slider = document.getElementById("year");
  const yearValue = document.getElementById("year-value");
  if (years.length) {
    slider.min = String(years[0]);
    slider.max = String(years[years.length - 1]);
    slider.value = slider.max;
    yearValue.textContent = slider.max;
  } else {
    document.getElementById("years").hidden = true;
  }
  function setYear(year) {
    state.year = year;
    slider.value = String(year);
    yearValue.textContent = String(year);
    recompute();
    renderer.refresh();
  }
  slider.addEventListener("input", () => setYear(Number(slider.value)));
  let timer = null;
  document.getElementById("play").addEventListener("click", () => {
    if (timer !== null) return;
    let year = years[0];
    setYear(year);
    timer = setInterval(() => {
      year += 1;
      if (year > years[years.length - 1]) {
        clearInterval(timer);
        timer = null;
      } else {
        setYear(year);
      }
    }, 600);
  });

  // Section filter: the taxonomy as a tree of tick boxes; a box ticks its subtree.
  const tree = document.getElementById("section-tree");
  const boxes = [];
  const holders = sections.map(() => null);
  const counts = sections.map(() => new Set());
  papers.forEach((p, i) => {
    for (const [s] of p.sections) {
      for (let at = s; at !== null; at = sections[at].parent) counts[at].add(i);
    }
  });
  const children = sections.map(() => []);
  sections.forEach((s, i) => { if (s.parent !== null) children[s.parent].push(i); });
  function subtree(i) {
    const all = [i];
    for (const c of children[i]) all.push(...subtree(c));
    return all;
  }
  sections.forEach((s, i) => {
    const item = el("li");
    const label = el("label");
    const box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.section = s.path;
    box.addEventListener("change", () => {
      for (const j of subtree(i)) {
        state.sectionOn[j] = box.checked;
        boxes[j].checked = box.checked;
      }
      recompute();
      renderer.refresh();
    });
    boxes.push(box);
    label.append(box, " " + s.label + " (" + counts[i].size + ")");
    item.append(label);
    const nested = el("ul");
    item.append(nested);
    holders[i] = nested;
    (s.parent === null ? tree : holders[s.parent]).append(item);
  });
  const unsectioned = papers.filter((p) => !p.sections.length).length;
  if (unsectioned) {
    const item = el("li");
    const label = el("label");
    const box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.section = "";
    box.addEventListener("change", () => {
      state.unsectionedOn = box.checked;
      recompute();
      renderer.refresh();
    });
    label.append(box, " (no section) (" + unsectioned + ")");
    item.append(label);
    tree.append(item);
  }
  for (const holder of holders) if (holder && !holder.children.length) holder.remove();

  // Legends: section colours (as in the GraphML export) and edge colours by relation.
  const legend = document.getElementById("legend");
  for (const entry of data.legend) {
    const swatch = el("span", null, "swatch");
    swatch.style.background = entry.colour;
    const item = el("li");
    item.append(swatch, el("span", entry.label));
    legend.append(item);
  }
  const relations = document.getElementById("relations");
  const used = new Set(data.edges.map((e) => e[2]));
  data.relations.forEach((r, i) => {
    if (!used.has(i)) return;
    const line = el("span", null, "line");
    line.style.background = r.colour;
    const item = el("li");
    item.append(line, el("span", r.name));
    relations.append(item);
  });

  // The year axis under a timeline.
  const axis = document.getElementById("axis");
  const ticks = data.year_x.map(([year, x]) => {
    const tick = el("span", year);
    axis.append(tick);
    return [tick, x];
  });
  function placeTicks() {
    let last = -Infinity;
    for (const [tick, x] of ticks) {
      const at = renderer.graphToViewport({ x: x, y: 0 }).x;
      tick.style.left = at + "px";
      tick.hidden = at - last < 34;
      if (!tick.hidden) last = at;
    }
  }
  renderer.on("afterRender", placeTicks);
  placeTicks(); // sigma drew the first frame in its constructor, before this listener

  // Timeline or force: both layouts were computed at export for a small survey.
  let layout = data.layout;
  axis.hidden = layout !== "timeline";
  function showLayout(name) {
    const xy = data.layouts[name];
    papers.forEach((p, i) => graph.mergeNodeAttributes(p.key, { x: xy[i][0], y: xy[i][1] }));
    layout = name;
    axis.hidden = name !== "timeline";
    showStats();
    renderer.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
    renderer.refresh();
  }
  if (data.layouts) {
    document.getElementById("layouts").hidden = false;
    for (const radio of document.querySelectorAll('input[name="layout"]')) {
      radio.checked = radio.value === layout;
      radio.addEventListener("change", () => { if (radio.checked) showLayout(radio.value); });
    }
  }

  document.getElementById("page-title").textContent = data.title || "Citation graph";
  function showStats() {
    document.getElementById("stats").textContent =
      papers.length + " papers, " + data.edges.length + " citations" +
      (data.within ? " in " + data.within : "") + " · " + layout + " layout";
  }
  showStats();
  document.title = data.title || "Citation graph";

  window.surveyPage = {
    graph: graph,
    renderer: renderer,
    state: state,
    layout: () => layout,
    lineage: (key, descendants) => [...lineage(byKey.get(key), descendants)].map((i) => papers[i].key).sort(),
    shownKeys: () => papers.filter((p) => !renderer.getNodeDisplayData(p.key).hidden).map((p) => p.key),
    highlightedKeys: () => papers.filter((p) => renderer.getNodeDisplayData(p.key).highlighted).map((p) => p.key),
    startedAt: startedAt,
    constructedAt: performance.now(),
    renderedAt: null,
  };
  requestAnimationFrame(() => requestAnimationFrame(() => {
    window.surveyPage.renderedAt = performance.now();
  }));
})();
