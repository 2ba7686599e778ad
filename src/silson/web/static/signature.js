// The signature pad of the 위임장 page: draws with a finger or mouse, and puts the drawing into the
// form as a PNG data URL when the form is sent. Works without any library.
(function () {
  const canvas = document.getElementById("signature-pad");
  if (!canvas) return;
  const field = document.getElementById("signature");
  const pen = canvas.getContext("2d");
  pen.lineWidth = 4; pen.lineCap = "round"; pen.strokeStyle = "#111";
  let drawing = false, drawn = false;
  const at = (e) => {
    const box = canvas.getBoundingClientRect();
    return [(e.clientX - box.left) * canvas.width / box.width, (e.clientY - box.top) * canvas.height / box.height];
  };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; const [x, y] = at(e); pen.beginPath(); pen.moveTo(x, y); canvas.setPointerCapture(e.pointerId); });
  canvas.addEventListener("pointermove", (e) => { if (!drawing) return; const [x, y] = at(e); pen.lineTo(x, y); pen.stroke(); drawn = true; });
  canvas.addEventListener("pointerup", () => { drawing = false; });
  document.getElementById("clear-signature").addEventListener("click", () => { pen.clearRect(0, 0, canvas.width, canvas.height); drawn = false; });
  canvas.closest("form").addEventListener("submit", () => { field.value = drawn ? canvas.toDataURL("image/png") : ""; });
})();
