// The page without reloads: the preview follows the form, fields follow the product, sizes
// follow what fits, a page opens large, and a message sits at its field. Without scripts the
// form posts and comes back with the same values, so nothing here is needed for correctness.
(function () {
  const form = document.getElementById("choices");
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  const area = $("message-area");
  const previews = $("previews");
  const download = $("download");
  const peek = $("peek");
  const dialog = $("zoom");
  const say = (key) => form.dataset[key] || "";
  $("refresh").hidden = true; // with scripts on, the preview follows the form by itself
  form.classList.add("scripted"); // a file's button and name in the page's words
  let timer = null;
  let asked = 0;
  let sizesAsked = 0;
  let sizing = null; // the sizes that fit, while they are being asked

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  }

  function showMessage(answer) {
    for (const old of form.querySelectorAll("[aria-invalid]")) old.removeAttribute("aria-invalid");
    for (const old of form.querySelectorAll(".field-error")) old.textContent = "";
    const field = answer.field ? document.getElementById(answer.field) : null;
    const slot = answer.field ? document.getElementById(answer.field + "-error") : null;
    if (field && slot) {
      field.setAttribute("aria-invalid", "true");
      slot.textContent = answer.message;
      const folded = field.closest("details");
      if (folded) folded.open = true;
    }
    area.textContent = answer.error || "";
    download.disabled = Boolean(answer.error);
    previews.classList.toggle("stale", Boolean(answer.error)); // what shows is not this form
  }

  function showPages(images) {
    previews.replaceChildren(...images.map((src, i) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "page";
      button.dataset.page = String(i + 1);
      const img = document.createElement("img");
      img.src = src;
      img.alt = fill(say("previewAlt"), { n: i + 1, count: images.length });
      button.append(img);
      return button;
    }));
    previews.classList.toggle("spreads", $("product").value === "book"); // pages face
    $("zoom-hint").hidden = images.length === 0;
    const first = peek.querySelector("img");
    if (images.length) first.src = images[0];
  }

  async function post(path, extra) {
    const body = new FormData(form);
    for (const [k, v] of Object.entries(extra || {})) body.set(k, v);
    const response = await fetch(path, { method: "POST", body });
    return response.json();
  }

  async function update() {
    const ticket = ++asked;
    try {
      const answer = await post("/preview");
      if (ticket !== asked) return; // a newer change is on its way
      if (answer.field === "size" && sizing && await sizing) return; // a size that fits: asked
      if (ticket !== asked) return;
      showMessage(answer);
      if (!answer.error) showPages(answer.images);
      peek.classList.toggle("failed", Boolean(answer.error));
    } catch (error) {
      if (ticket !== asked) return;
      showMessage({ error: say("offline") });
    }
  }

  function productShown() {
    const option = $("product").selectedOptions[0];
    const product = option.value;
    const kind = option.dataset.kind;
    for (const part of form.querySelectorAll("[data-products]")) {
      part.hidden = !part.dataset.products.split(" ").includes(product);
    }
    for (const part of form.querySelectorAll("[data-kinds]")) { // its value waits, unsent
      part.hidden = !part.dataset.kinds.split(" ").includes(kind);
    }
    const layout = $("layout");
    for (const group of layout.querySelectorAll("optgroup")) {
      const other = group.dataset.kind !== kind;
      group.hidden = other;
      group.disabled = other;
    }
    if (layout.selectedOptions[0] && layout.selectedOptions[0].parentElement.disabled) {
      layout.value = "";
    }
  }

  async function sizes() {
    const ticket = ++sizesAsked;
    try {
      const answer = await post("/sizes");
      if (ticket !== sizesAsked || !answer.sizes) return false;
      const select = $("size");
      for (const option of select.options) { // "" is the layout's own size
        const fits = option.value ? answer.sizes.includes(option.value)
          : answer.own || answer.sizes.length === 0;
        option.hidden = !fits;
        option.disabled = !fits;
      }
      if (select.selectedOptions[0] && select.selectedOptions[0].disabled) {
        const first = [...select.options].find((option) => !option.disabled);
        select.value = first ? first.value : ""; // the first that fits: the preview follows
        return true;
      }
    } catch (error) { /* the sizes stay as they were; the preview says what does not fit */ }
    return false;
  }

  function soon(wait) {
    clearTimeout(timer);
    timer = setTimeout(update, wait);
  }

  function signed() { // a sign-off shows the giver's name as it will print
    const name = $("from") ? $("from").value.trim() : "";
    for (const option of form.querySelectorAll("option[data-words]")) {
      option.textContent = option.dataset.words.replace("{name}", name || "…");
    }
  }

  function fileNamed(input) {
    const shown = $(input.id + "-name");
    if (shown) shown.textContent = input.files.length ? input.files[0].name : shown.dataset.none;
  }

  function changed(event) {
    const name = event.target.name || "";
    if (name === "from") signed();
    if (event.target.type === "file") fileNamed(event.target);
    if (name === "lang") { // every word on the page changes: the server writes it again
      form.action = "/";
      form.submit();
      return;
    }
    if (name === "product") productShown();
    if (["product", "routine", "layout"].includes(name) || name.startsWith("at-")) {
      const ownSize = !$("size").value; // it usually fits: the preview need not wait
      if (ownSize) soon(50);
      sizing = sizes();
      sizing.then((reset) => { sizing = null; if (reset || !ownSize) soon(50); });
      return;
    }
    soon(350);
  }

  async function zoom(button) {
    const img = dialog.querySelector("img");
    img.alt = fill(say("zoomedAlt"), { n: button.dataset.page });
    try {
      const answer = await post("/zoom", { zoom: button.dataset.page });
      if (answer.error) { showMessage(answer); return; }
      img.src = answer.images[0];
      dialog.showModal();
      $("zoom-close").focus();
    } catch (error) {
      showMessage({ error: say("offline") });
    }
  }

  const chosen = (event) => event.target.tagName === "SELECT" || event.target.type === "file";
  form.addEventListener("input", (event) => { if (!chosen(event)) changed(event); });
  form.addEventListener("change", (event) => { if (chosen(event)) changed(event); });
  previews.addEventListener("click", (event) => {
    const button = event.target.closest("button.page");
    if (button) zoom(button);
  });
  $("zoom-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
  if ("IntersectionObserver" in window) { // on a phone, the preview stays in view as a strip
    const seen = new IntersectionObserver((entries) => {
      for (const entry of entries) peek.hidden = entry.isIntersecting;
    });
    seen.observe(previews);
  }
  const first = previews.querySelector("img");
  if (first) peek.querySelector("img").src = first.src;
  productShown();
})();
