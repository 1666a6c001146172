// Live preview: after the form has been still for a moment, ask for new pictures.
(function () {
  const form = document.getElementById("choices");
  const area = document.getElementById("message-area");
  const previews = document.getElementById("previews");
  const refresh = document.getElementById("refresh");
  if (refresh) refresh.hidden = true; // with scripts on, the preview follows the form by itself
  let timer = null;
  let asked = 0;
  async function update() {
    const ticket = ++asked;
    try {
      const response = await fetch("/preview", { method: "POST", body: new FormData(form) });
      const answer = await response.json();
      if (ticket !== asked) return; // a newer change is on its way
      area.textContent = answer.error || "";
      if (!answer.error) {
        previews.replaceChildren(...answer.images.map((src, i) => {
          const img = document.createElement("img");
          img.src = src;
          img.alt = `Preview, page ${i + 1} of ${answer.images.length}`;
          return img;
        }));
      }
    } catch (error) {
      area.textContent = "The preview could not be made. Is booklet serve still running?";
    }
  }
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(update, 350);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
})();
