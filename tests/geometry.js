// Where the page's elements are drawn, as the browser laid them out. tests/test_dashboard.py
// evaluates this in the live page (over the DevTools protocol) and asserts on what it returns.
(() => {
  const width = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : "") +
    [...el.classList].map((c) => `.${c}`).join("") +
    ` "${(el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50)}"`;
  // An inline element that wraps is several boxes; its bounding rectangle would cover the
  // lines' other content, so boxes are compared one by one.
  const boxes = (el) => [...el.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
  // Inside an <svg> the drawing is scaled into the svg's own box, which is checked.
  const drawn = [...document.body.querySelectorAll("*")].filter((el) =>
    (el.tagName === "svg" || !el.closest("svg")) && boxes(el).length &&
    getComputedStyle(el).visibility !== "hidden");
  const shown = new Set(drawn);

  const outside = drawn.filter((el) => boxes(el).some((r) => r.left < -0.5 || r.right > width + 0.5))
    .map((el) => `${name(el)}: ${boxes(el).map((r) => `${Math.round(r.left)}–${Math.round(r.right)}`)}`);

  const cross = (r, s) => Math.min(r.right, s.right) - Math.max(r.left, s.left) > 1 &&
    Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top) > 1;
  const overlaps = [];
  for (const parent of [document.body, ...drawn]) {
    const children = [...parent.children].filter((el) => shown.has(el));
    children.forEach((el, i) => {
      for (const other of children.slice(i + 1)) {
        if (boxes(el).some((r) => boxes(other).some((s) => cross(r, s)))) {
          overlaps.push(`${name(el)} × ${name(other)}`);
        }
      }
    });
  }

  // A timeline card is an item of the timeline's own list; its quotes are the blockquotes.
  const cards = [...document.querySelectorAll("#timeline .body > li")].map((card) => ({
    key: card.dataset.key,
    width: card.getBoundingClientRect().width,
    quotes: [...card.querySelectorAll("blockquote")].map((q) => q.getBoundingClientRect().width),
  }));

  return {
    width,
    scrollWidth: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
    outside,
    overlaps,
    cards,
  };
})()
