// Backward, one step at a time. torchfig.BackwardStepper writes every step as
// a figure in a list (what a reader without JavaScript sees); this shows one
// at a time, with Previous / Play / Next buttons, the arrow keys, and the
// step's caption announced politely as it changes.
function setUpStepper(stepper) {
  const steps = Array.from(stepper.querySelectorAll(".stepper-steps > li"));
  if (steps.length === 0) return;
  let current = 0;
  let timer = null;
  const controls = document.createElement("div");
  controls.className = "stepper-controls";
  const button = (text, label, action) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", action);
    controls.appendChild(b);
    return b;
  };
  const caption = document.createElement("p");
  caption.className = "stepper-caption";
  caption.setAttribute("aria-live", "polite");
  const show = (index) => {
    current = Math.max(0, Math.min(steps.length - 1, index));
    steps.forEach((li, i) => { li.hidden = i !== current; });
    caption.textContent = steps[current].querySelector("figcaption").textContent;
    previous.disabled = current === 0;
    next.disabled = current === steps.length - 1;
  };
  const stop = () => { clearInterval(timer); timer = null; play.textContent = "Play"; play.setAttribute("aria-label", "Play the steps"); };
  const previous = button("Previous", "Previous step", () => { stop(); show(current - 1); });
  const play = button("Play", "Play the steps", () => {
    if (timer) { stop(); return; }
    if (current === steps.length - 1) show(0);
    play.textContent = "Pause";
    play.setAttribute("aria-label", "Pause");
    timer = setInterval(() => { if (current === steps.length - 1) stop(); else show(current + 1); }, 1500);
  });
  const next = button("Next", "Next step", () => { stop(); show(current + 1); });
  stepper.setAttribute("role", "group");
  stepper.setAttribute("aria-label", "Backward, step by step: use the buttons or the left and right arrow keys");
  stepper.tabIndex = 0;
  stepper.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") { stop(); show(current + 1); event.preventDefault(); }
    if (event.key === "ArrowLeft") { stop(); show(current - 1); event.preventDefault(); }
  });
  stepper.classList.add("stepper-ready");
  stepper.prepend(controls);
  stepper.appendChild(caption);
  show(0);
}
document.querySelectorAll(".backward-stepper").forEach(setUpStepper);
