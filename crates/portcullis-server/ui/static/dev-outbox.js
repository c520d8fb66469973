// Development outbox: the HTML body of a message is shown whole, not cut off by a fixed-height
// frame. The frame is sandboxed without scripts but keeps this origin, so its height can be read.
const frame = document.getElementById("outbox-html");

function fit() {
  const doc = frame && frame.contentDocument;
  if (!doc || !doc.documentElement) return;
  const height = Math.max(doc.documentElement.scrollHeight, doc.body ? doc.body.scrollHeight : 0);
  if (height > 0) frame.style.height = `${height + 2}px`;
}

if (frame) {
  frame.addEventListener("load", fit);
  if (frame.contentDocument && frame.contentDocument.readyState === "complete") fit();
  window.addEventListener("resize", fit);
}
