// survey's graph page: reads the embedded survey (JSON), draws it with sigma.js, and
// wires the search box, year slider, section filter, colourings and paper panel. Every
// text from the survey enters the document through textContent or an attribute, never
// as markup.
//
// Speed at 10,000 papers / 100,000 edges: the scene is built once. An interaction
// changes the page's state, lists the papers whose look changed (and their edges) and
// asks sigma to redraw only those (refresh with partialGraph and skipIndexation); the
// reducers read the state. Labels are drawn by the page after each frame, in the order
// the export chose, skipping any that would overlap one already drawn.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("survey-data").textContent);
  const papers = data.papers;
  const sections = data.sections;
  const count = papers.length;
  const byKey = new Map(papers.map((p, i) => [p.key, i]));
  const SIZE_SCALE = 0.35;
  const DIM = "#e2e2e2";
  // The page's font stack (page.css): the system UI font, then fonts for CJK, Arabic and
  // Devanagari that common systems ship, then the generic family.
  const FONT = getComputedStyle(document.body).fontFamily;
  const LABEL_SIZE = 12;
  const MAX_LABELS = 400;

  // Citations by index: cites[i] = papers i cites, citedBy[i] = papers citing i, and the
  // edges at each paper (edge keys), to redraw a paper's edges with it.
  const cites = papers.map(() => []);
  const citedBy = papers.map(() => []);
  const edgesAt = papers.map(() => []);
  data.edges.forEach(([citing, cited], e) => {
    cites[citing].push(cited);
    citedBy[cited].push(citing);
    edgesAt[citing].push("e" + e);
    edgesAt[cited].push("e" + e);
  });

  // Colourings: named attribute sets, each a legend and every paper's entry in it. The
  // first is the exports' (by section); a selector appears when there are more.
  const colourings = data.colourings;
  let colouring = 0;
  const colourOf = (c, i) => colourings[c].legend[colourings[c].of[i]].colour;

  const graph = new graphology.DirectedGraph();
  papers.forEach((p, i) => {
    graph.addNode(p.key, {
      x: p.x, y: p.y, size: p.size * SIZE_SCALE, color: colourOf(0, i), label: p.label, i: i,
    });
  });
  const edgeSize = data.edges.length > 5000 ? 1 : 2;
  data.edges.forEach(([citing, cited, relation], e) => {
    graph.addDirectedEdgeWithKey("e" + e, papers[citing].key, papers[cited].key, {
      size: edgeSize, color: data.relations[relation].colour, type: "arrow",
      citing: citing, cited: cited,
    });
  });

  const years = data.years;
  const state = {
    year: years.length ? years[years.length - 1] : null,
    sectionOn: sections.map(() => true),
    unsectionedOn: true,
    selected: null, // paper index
    lineage: null, // Uint8Array: 1 for the papers of the shown lineage (not the selected one)
    direction: null,
  };
  // visible[i]: paper i passes the year and section filters.
  const visible = new Uint8Array(count);

  function passes(i) {
    const p = papers[i];
    if (state.year !== null && p.year !== null && p.year > state.year) return false;
    if (!p.sections.length) return state.unsectionedOn;
    for (const [s] of p.sections) if (state.sectionOn[s]) return true;
    return false;
  }

  // Sigma hands the reducers a copy of the attributes: they may change it.
  function nodeReducer(node, shown) {
    const i = shown.i;
    if (!visible[i]) {
      shown.hidden = true;
    } else if (i === state.selected) {
      shown.highlighted = true;
      shown.inLineage = state.lineage !== null;
    } else if (state.lineage !== null) {
      if (state.lineage[i]) {
        shown.inLineage = true;
      } else {
        shown.color = DIM;
        shown.label = null;
      }
    }
    return shown;
  }

  function inLineage(i) {
    return i === state.selected || state.lineage[i] === 1;
  }

  function edgeReducer(edge, shown) {
    if (state.lineage !== null && !(inLineage(shown.citing) && inLineage(shown.cited))) {
      shown.hidden = true;
    }
    return shown; // an edge with a hidden end is not drawn (sigma)
  }

  const startedAt = performance.now();
  // The header first: sigma sizes its canvases to the space the header leaves.
  let layout = data.layout;
  document.getElementById("page-title").textContent = data.title || "Citation graph";
  function showStats() {
    document.getElementById("stats").textContent =
      count + " papers, " + data.edges.length + " citations" +
      (data.within ? " in " + data.within : "") + " · " + layout + " layout";
  }
  showStats();
  // No citations yet: say where they come from.
  document.getElementById("no-citations").hidden = !(count && !data.edges.length);
  document.title = data.title || "Citation graph";
  for (let i = 0; i < count; i++) visible[i] = passes(i) ? 1 : 0;
  const container = document.getElementById("graph");
  const renderer = new Sigma(graph, container, {
    nodeReducer: nodeReducer,
    edgeReducer: edgeReducer,
    hideEdgesOnMove: graph.size > 20000,
    renderLabels: false, // drawn by drawLabels, never overlapping
    labelFont: FONT,
    minEdgeThickness: 0.8,
  });

  // Redraw the papers `changed` (indices) and every edge at them, without reprocessing
  // the rest of the scene; `all` redraws every paper and edge the same way.
  function redraw(changed, all) {
    if (all) {
      renderer.refresh({ partialGraph: { nodes: graph.nodes(), edges: graph.edges() }, skipIndexation: true });
      return;
    }
    const nodes = [];
    const edges = new Set();
    for (const i of changed) {
      nodes.push(papers[i].key);
      for (const e of edgesAt[i]) edges.add(e);
    }
    renderer.refresh({ partialGraph: { nodes: nodes, edges: [...edges] }, skipIndexation: true });
  }

  // Filters: recompute visibility, redraw the papers whose visibility changed.
  function applyFilters() {
    const changed = [];
    for (let i = 0; i < count; i++) {
      const now = passes(i) ? 1 : 0;
      if (now !== visible[i]) {
        visible[i] = now;
        changed.push(i);
      }
    }
    redraw(changed, false);
  }

  // Labels: after each frame, in data.label_order (the most cited, the notes' named
  // papers, one per section and year, then the rest), the selected paper first; a label
  // whose box would overlap a drawn one is skipped. Each sits on a white box: edges pass
  // under labels, never over them.
  const labelCanvas = renderer.getCanvases().labels;
  const labelContext = labelCanvas.getContext("2d");
  const widths = new Map();
  let drawnLabels = [];
  function labelWidth(text) {
    let width = widths.get(text);
    if (width === undefined) {
      width = labelContext.measureText(text).width;
      widths.set(text, width);
    }
    return width;
  }
  function drawLabels() {
    const context = labelContext;
    const width = container.clientWidth;
    const height = container.clientHeight;
    context.font = LABEL_SIZE + "px " + FONT;
    context.textBaseline = "middle";
    const cell = 64;
    const grid = new Map();
    const overlaps = (box) => {
      for (let cx = Math.floor(box.x / cell); cx <= Math.floor((box.x + box.w) / cell); cx++) {
        for (let cy = Math.floor(box.y / cell); cy <= Math.floor((box.y + box.h) / cell); cy++) {
          for (const other of grid.get(cx + ":" + cy) || []) {
            if (box.x < other.x + other.w && other.x < box.x + box.w &&
                box.y < other.y + other.h && other.y < box.y + box.h) return true;
          }
        }
      }
      return false;
    };
    const keep = (box) => {
      for (let cx = Math.floor(box.x / cell); cx <= Math.floor((box.x + box.w) / cell); cx++) {
        for (let cy = Math.floor(box.y / cell); cy <= Math.floor((box.y + box.h) / cell); cy++) {
          const key = cx + ":" + cy;
          if (!grid.has(key)) grid.set(key, []);
          grid.get(key).push(box);
        }
      }
    };
    drawnLabels = [];
    const order = state.selected === null ? data.label_order : [state.selected, ...data.label_order];
    for (const i of order) {
      if (drawnLabels.length >= MAX_LABELS) break;
      const key = papers[i].key;
      const shown = renderer.getNodeDisplayData(key);
      if (!shown || shown.hidden || !shown.label) continue;
      const at = renderer.framedGraphToViewport(shown);
      const radius = renderer.scaleSize(shown.size);
      const box = { x: at.x + radius + 2, y: at.y - LABEL_SIZE / 2 - 2, w: labelWidth(shown.label) + 6, h: LABEL_SIZE + 4 };
      if (box.x + box.w > width) box.x = at.x - radius - 2 - box.w; // left of a paper at the right edge
      if (box.x > width || box.x + box.w < 0 || box.y > height || box.y + box.h < 0) continue;
      if (drawnLabels.some((d) => d.key === key) || overlaps(box)) continue;
      keep(box);
      drawnLabels.push({ key: key, label: shown.label, box: box });
      context.fillStyle = "rgba(255, 255, 255, 0.88)";
      context.fillRect(box.x, box.y, box.w, box.h);
      context.fillStyle = "#222";
      context.fillText(shown.label, box.x + 3, at.y);
    }
  }
  renderer.on("afterRender", drawLabels);

  // Lineage, as `survey query lineage`: every paper reachable from the selected one
  // along citations (ancestors: what it cites, transitively; descendants: what cites it).
  function lineage(start, descendants) {
    const next = descendants ? citedBy : cites;
    const seen = new Uint8Array(count);
    seen[start] = 1;
    const queue = [start];
    for (let at = 0; at < queue.length; at++) {
      for (const other of next[queue[at]]) {
        if (!seen[other]) {
          seen[other] = 1;
          queue.push(other);
        }
      }
    }
    seen[start] = 0;
    return { members: seen, found: queue.slice(1) };
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
  const LINEAGE_LISTED = 500;

  function select(i, moveCamera) {
    const before = state.selected;
    const hadLineage = state.lineage !== null;
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
      p.key + (p.short ? " · " + p.short : "") + " · cited by " + p.citations + " here" +
      (p.cited_by === null ? "" : ", " + p.cited_by + " in the citation indexes");
    const list = document.getElementById("panel-sections");
    list.replaceChildren();
    for (const [s, provenance, annotation] of p.sections) {
      const item = el("li");
      item.append(el("span", sections[s].label), el("span", " (" + sections[s].path + ", " + provenance + ")", "note"));
      if (annotation) item.append(el("div", annotation, "note"));
      list.append(item);
    }
    if (!p.sections.length) list.append(el("li", "(in no section)", "note"));
    showLineageList();
    panel.hidden = false;
    if (hadLineage) redraw(null, true);
    else redraw(before === null ? [i] : [before, i], false);
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

  function showLineageList() {
    const summary = document.getElementById("lineage-summary");
    const list = document.getElementById("lineage-list");
    list.replaceChildren();
    if (state.lineage === null) {
      summary.textContent = "";
      return;
    }
    const found = lineageFound.slice().sort((a, b) =>
      papers[a].key < papers[b].key ? -1 : papers[a].key > papers[b].key ? 1 : 0);
    const direction = state.direction;
    summary.textContent = found.length + " " + direction + (direction === "ancestors" ? " (what it builds on)" : " (what builds on it)") +
      (found.length > LINEAGE_LISTED ? "; the first " + LINEAGE_LISTED + " by key listed" : "");
    const items = found.slice(0, LINEAGE_LISTED).map((i) => {
      const item = el("li", describe(papers[i]));
      item.dataset.key = papers[i].key;
      return item;
    });
    list.append(...items);
  }

  let lineageFound = [];
  function showLineage(direction) {
    const had = state.lineage !== null;
    state.direction = direction;
    if (direction === null) {
      state.lineage = null;
      lineageFound = [];
    } else {
      const walked = lineage(state.selected, direction === "descendants");
      state.lineage = walked.members;
      lineageFound = walked.found;
    }
    showLineageList();
    if (had || state.lineage !== null) redraw(null, true);
  }

  document.getElementById("show-ancestors").addEventListener("click", () => showLineage("ancestors"));
  document.getElementById("show-descendants").addEventListener("click", () => showLineage("descendants"));
  document.getElementById("show-none").addEventListener("click", () => showLineage(null));
  document.getElementById("panel-close").addEventListener("click", () => {
    const before = state.selected;
    const hadLineage = state.lineage !== null;
    state.selected = null;
    state.lineage = null;
    panel.hidden = true;
    if (hadLineage) redraw(null, true);
    else if (before !== null) redraw([before], false);
  });
  renderer.on("clickNode", ({ node }) => select(byKey.get(node), false));

  // Search: every word of the query is the start of a word of the key, short name or
  // title; an exact key or short name comes first, then the most cited. The words are
  // split at the first search, not while the page opens.
  const WORD = /[\p{L}\p{N}]+/gu;
  const words = (text) => (String(text).toLowerCase().match(WORD) || []);
  let haystacks = null;
  function search(query) {
    const wanted = words(query);
    const exact = query.trim().toLowerCase();
    if (!wanted.length) return [];
    if (haystacks === null) haystacks = papers.map((p) => words(p.key + " " + p.short + " " + p.title));
    const hits = [];
    for (let i = 0; i < count; i++) {
      if (wanted.every((w) => haystacks[i].some((h) => h.startsWith(w)))) hits.push(i);
    }
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
    applyFilters();
  }
  slider.addEventListener("input", () => setYear(Number(slider.value)));
  let timer = null;
  document.getElementById("play").addEventListener("click", () => {
    if (timer !== null) return;
    let at = 0;
    setYear(years[at]);
    timer = setInterval(() => {
      at += 1;
      if (at >= years.length) {
        clearInterval(timer);
        timer = null;
      } else {
        setYear(years[at]);
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
      applyFilters();
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
      applyFilters();
    });
    label.append(box, " (no section) (" + unsectioned + ")");
    item.append(label);
    tree.append(item);
  }
  for (const holder of holders) if (holder && !holder.children.length) holder.remove();

  // Legends: the colouring's (with the level or attribute it colours by) and the edges'.
  const legend = document.getElementById("legend");
  const legendTitle = document.getElementById("legend-title");
  function showLegend() {
    legendTitle.textContent = "Colour: " + colourings[colouring].title;
    legend.replaceChildren();
    for (const entry of colourings[colouring].legend) {
      const swatch = el("span", null, "swatch");
      swatch.style.background = entry.colour;
      const item = el("li");
      item.append(swatch, el("span", entry.label));
      legend.append(item);
    }
  }
  function colourBy(c) {
    colouring = c;
    graph.updateEachNodeAttributes((node, attributes) => {
      attributes.color = colourOf(c, attributes.i);
      return attributes;
    }, { attributes: ["color"] });
    showLegend();
  }
  showLegend();
  const colourSelect = document.getElementById("colour-by");
  if (colourings.length > 1) {
    colourings.forEach((c, i) => {
      const option = el("option", c.title);
      option.value = String(i);
      colourSelect.append(option);
    });
    colourSelect.addEventListener("change", () => colourBy(Number(colourSelect.value)));
    document.getElementById("colourings").hidden = false;
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

  // The year axis under a timeline, with the "earlier" band when the export made one.
  const axis = document.getElementById("axis");
  const band = document.getElementById("earlier");
  const earlier = data.earlier;
  const earlierYears = new Set(earlier ? earlier.years : []);
  const ticks = data.year_x.filter(([year]) => !earlierYears.has(year)).map(([year, x]) => {
    const tick = el("span", year);
    axis.append(tick);
    return [tick, x];
  });
  let earlierTick = null;
  if (earlier) {
    earlierTick = el("span", "earlier: " + earlier.label, "earlier");
    axis.append(earlierTick);
  }
  function placeTicks() {
    let last = -Infinity;
    if (earlier && !axis.hidden) {
      const at = renderer.graphToViewport({ x: earlier.x, y: 0 }).x;
      const next = ticks.length ? renderer.graphToViewport({ x: ticks[0][1], y: 0 }).x : at + 40;
      const half = Math.max((next - at) / 2, 12);
      band.style.left = at - half + "px";
      band.style.width = 2 * half + "px";
      band.hidden = false;
      earlierTick.style.left = at + "px";
      last = at + earlierTick.getBoundingClientRect().width / 2;
    } else {
      band.hidden = true;
    }
    for (const [tick, x] of ticks) {
      const at = renderer.graphToViewport({ x: x, y: 0 }).x;
      tick.style.left = at + "px";
      tick.hidden = at - last < 34;
      if (!tick.hidden) last = at;
    }
  }
  renderer.on("afterRender", placeTicks);

  // Timeline or force: both layouts were computed at export for a small survey.
  axis.hidden = layout !== "timeline";
  function showLayout(name) {
    const xy = data.layouts[name];
    graph.updateEachNodeAttributes((node, attributes) => {
      attributes.x = xy[attributes.i][0];
      attributes.y = xy[attributes.i][1];
      return attributes;
    }, { attributes: ["x", "y"] });
    layout = name;
    axis.hidden = name !== "timeline";
    showStats();
    renderer.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
  }
  if (data.layouts) {
    document.getElementById("layouts").hidden = false;
    for (const radio of document.querySelectorAll('input[name="layout"]')) {
      radio.checked = radio.value === layout;
      radio.addEventListener("change", () => { if (radio.checked) showLayout(radio.value); });
    }
  }

  // Sigma drew the first frame in its constructor, before these listeners.
  placeTicks();
  drawLabels();

  window.surveyPage = {
    graph: graph,
    renderer: renderer,
    state: state,
    layout: () => layout,
    colourBy: colourBy,
    lineage: (key, descendants) => [...lineage(byKey.get(key), descendants).found].map((i) => papers[i].key).sort(),
    shownKeys: () => papers.filter((p) => !renderer.getNodeDisplayData(p.key).hidden).map((p) => p.key),
    highlightedKeys: () => papers.filter((p) => {
      const shown = renderer.getNodeDisplayData(p.key);
      return !shown.hidden && (shown.highlighted || shown.inLineage);
    }).map((p) => p.key),
    drawnLabels: () => drawnLabels.map((d) => ({ key: d.key, label: d.label, box: d.box })),
    startedAt: startedAt,
    constructedAt: performance.now(),
    renderedAt: null,
  };
  requestAnimationFrame(() => requestAnimationFrame(() => {
    window.surveyPage.renderedAt = performance.now();
  }));
})();
