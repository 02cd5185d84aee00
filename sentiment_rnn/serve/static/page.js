// The page: send the review to /v1/explain; show how the review model composes its verdict (the bias and
// each sentence's share, in log-odds) and draw the sentence network's running P(positive) after every token,
// sentence by sentence, above each word's bag-of-words weight, in one SVG. Plain JavaScript, no libraries.
"use strict";

const EXAMPLES = [
  "this movie is not good",
  "not bad at all , actually quite fun",
  "I expected little from this film and for the first half hour it gave me even less: the dialogue " +
    "is clumsy, the jokes fall flat and the lead seems bored. Then something changes. The story finds " +
    "its heart, the music lifts every scene and the final act is moving, funny and beautifully shot. " +
    "It is not a great movie, but it is a good one, and I would happily watch it again.",
];
const SVG = "http://www.w3.org/2000/svg";
const LAYOUT = { left: 44, right: 16, top: 26, lineHeight: 190, gap: 26, barHeight: 110, labels: 86, minStep: 26 };

const $ = (id) => document.getElementById(id);

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

function describe(label, p) {
  return `${label} · P(positive) = ${p.toFixed(3)}`;
}

function drawChart(steps) {
  const svg = $("chart");
  svg.replaceChildren();
  const n = steps.length;
  const available = svg.parentElement.clientWidth - LAYOUT.left - LAYOUT.right;
  const step = Math.max(LAYOUT.minStep, Math.min(160, available / n));
  const width = LAYOUT.left + LAYOUT.right + step * n;
  const lineTop = LAYOUT.top, lineBottom = lineTop + LAYOUT.lineHeight;
  const barTop = lineBottom + LAYOUT.gap, barBottom = barTop + LAYOUT.barHeight, barZero = (barTop + barBottom) / 2;
  const height = barBottom + LAYOUT.labels;
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const x = (t) => LAYOUT.left + step * (t + 0.5);
  const y = (p) => lineBottom - p * LAYOUT.lineHeight;

  // The RNN's panel: P(positive) from 0 to 1, 0.5 dashed.
  for (const p of [0, 0.5, 1]) {
    svg.append(svgElement("line", { x1: LAYOUT.left, x2: width - LAYOUT.right, y1: y(p), y2: y(p),
      class: p === 0.5 ? "grid mid" : "grid" }));
    svg.append(svgElement("text", { x: LAYOUT.left - 6, y: y(p) + 4, "text-anchor": "end", class: "axis" }, p.toFixed(1)));
  }
  svg.append(svgElement("text", { x: LAYOUT.left, y: lineTop - 12, class: "axis" },
    "RNN: P(positive) after each token (each sentence read from its start)"));
  // one line per sentence: the network reads every sentence afresh, and its last point is the sentence's P alone
  const sentences = [...new Set(steps.map((s) => s.sentence))];
  for (const sentence of sentences) {
    const points = steps.map((s, t) => [s, t]).filter(([s]) => s.sentence === sentence)
      .map(([s, t]) => `${x(t)},${y(s.p)}`).join(" ");
    svg.append(svgElement("polyline", { points, class: "line" }));
  }
  steps.forEach((s, t) => {
    if (t > 0 && s.sentence !== steps[t - 1].sentence) {
      svg.append(svgElement("line", { x1: x(t) - step / 2, x2: x(t) - step / 2, y1: lineTop, y2: barBottom,
        class: "grid sentence-end" }));
    }
  });
  steps.forEach((s, t) => {
    const dot = svgElement("circle", { cx: x(t), cy: y(s.p), r: 4.5, class: "point" });
    dot.append(svgElement("title", {}, `${s.token}: P(positive) = ${s.p.toFixed(3)}`));
    svg.append(dot);
  });

  // The bag of words' panel: each word's weight, as a bar up (positive) or down (negative) from 0.
  const largest = Math.max(1, ...steps.map((s) => Math.abs(s.weight)));
  const scale = (LAYOUT.barHeight / 2 - 4) / largest;
  svg.append(svgElement("line", { x1: LAYOUT.left, x2: width - LAYOUT.right, y1: barZero, y2: barZero, class: "grid mid" }));
  svg.append(svgElement("text", { x: LAYOUT.left, y: barTop - 4, class: "axis" }, "bag of words: weight of each word"));
  svg.append(svgElement("text", { x: LAYOUT.left - 6, y: barZero + 4, "text-anchor": "end", class: "axis" }, "0"));
  steps.forEach((s, t) => {
    const h = Math.abs(s.weight) * scale;
    const bar = svgElement("rect", { x: x(t) - step * 0.3, width: step * 0.6, y: s.weight >= 0 ? barZero - h : barZero,
      height: Math.max(h, 0.5), class: s.weight >= 0 ? "bar pos" : "bar neg" });
    bar.append(svgElement("title", {}, `${s.token}: weight ${s.weight >= 0 ? "+" : ""}${s.weight.toFixed(2)}`));
    svg.append(bar);
  });

  // The tokens, under both panels.
  steps.forEach((s, t) => {
    const label = s.token.length > 14 ? s.token.slice(0, 13) + "…" : s.token;
    const ty = barBottom + 10;
    svg.append(svgElement("text", { x: x(t), y: ty, transform: `rotate(-55 ${x(t)} ${ty})`, "text-anchor": "end",
      class: s.known ? "token" : "token unknown" }, s.known ? label : label + "?"));
  });
}

function fillTable(steps) {
  const rows = steps.map((s, t) => {
    const row = document.createElement("tr");
    for (const value of [t + 1, s.known ? s.token : s.token + "?", s.p.toFixed(3), (s.weight >= 0 ? "+" : "") + s.weight.toFixed(2)]) {
      const cell = document.createElement("td");
      cell.textContent = value;
      row.append(cell);
    }
    return row;
  });
  $("steps").tBodies[0].replaceChildren(...rows);
}

const signed = (value) => `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(2)}`;

function shareItem(value, text, detail) {
  const item = document.createElement("li");
  const share = document.createElement("span");
  share.className = `share ${value >= 0 ? "positive" : "negative"}`;
  share.textContent = signed(value);
  item.append(share, ` ${text}`);
  if (detail) {
    const how = document.createElement("span");
    how.className = "how";
    how.textContent = detail;
    item.append(how);
  }
  return item;
}

function show(result) {
  const steps = result.trajectory.map((s) => ({
    token: s.token, known: s.in_vocabulary, p: s.p_positive ?? 0, weight: s.bow_weight ?? 0, sentence: s.sentence ?? 0,
  }));
  // a review model: its verdict and how it is composed: the bias and each sentence's share (log-odds)
  const review = result.review;
  const p = review ? review.p_positive : (result.prediction.p_positive ?? 0);
  const label = review ? (p > 0.5 ? "positive" : "negative") : result.prediction.label;
  const verdict = $("verdict");
  verdict.textContent = describe(label, p);
  verdict.className = label;
  $("verdict-who").textContent = review ? "Review model" : "RNN";
  $("by-sentence").hidden = !review;
  $("composition").textContent = review
    ? `log-odds ${signed(review.log_odds)} = bias ${signed(review.bias)} + the shares below`
      + ` (of which the n-grams ${signed(review.ngram_log_odds)})` : "";
  $("sentences").replaceChildren(...(review ? review.sentences : []).map((row) => shareItem(row.log_odds, row.sentence,
    ` = ${row.weight.toFixed(2)} × network ${signed(row.network_log_odds)} = ${signed(row.network_part)}`
      + ` + n-grams ${signed(row.ngram_log_odds)} · P(positive) alone ${row.sentence_p_positive.toFixed(3)}`)));
  const bow = $("bow-verdict");
  if (result.bag_of_words) {  // the review model's own n-gram part
    $("bow-who").textContent = "Its n-grams (bag of words) add";
    bow.textContent = `${signed(result.bag_of_words.log_odds)} log-odds`;
    bow.className = result.bag_of_words.label;
  } else if (result.baseline) {
    $("bow-who").textContent = "Bag of words";
    bow.textContent = describe(result.baseline.label, result.baseline.p_positive);
    bow.className = result.baseline.label;
  } else {
    bow.textContent = "not available";
    bow.className = "";
  }
  $("result").hidden = false;
  drawChart(steps);
  fillTable(steps);
  $("model-name").textContent = `model: ${result.model}`;
}

async function read(event) {
  if (event) event.preventDefault();
  const text = $("text").value;
  const error = $("error");
  error.hidden = true;
  if (!text.trim()) {
    error.textContent = "Type a review first.";
    error.hidden = false;
    return;
  }
  const button = $("submit");
  button.disabled = true;
  try {
    const response = await fetch("/v1/explain", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
    show(body);
  } catch (problem) {
    error.textContent = `Could not read it: ${problem.message}`;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("form").addEventListener("submit", read);
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) read(event);
  });
  for (const button of document.querySelectorAll("[data-example]")) {
    button.addEventListener("click", () => {
      $("text").value = EXAMPLES[Number(button.dataset.example)];
      read();
    });
  }
  read();
});
