// "Run on this device": the viewer's browser runs BlazePose on its own camera, draws the
// skeleton over the video, and sends only landmarks back to the app (ui/ondevice/component.py
// describes the arguments; pose_core/live/device.py the message it checks).
//
// A Streamlit v1 component, speaking its postMessage protocol directly (no
// streamlit-component-lib): "componentReady" once, "render" with new arguments on every
// script run (sidebar changes arrive here without restarting the camera), and
// "setComponentValue" with a JSON text every BATCH_MS.
import { FilesetResolver, PoseLandmarker } from "./vendor/tasks-vision/vision_bundle.mjs";

const video = document.getElementById("video");
const canvas = document.getElementById("overlay");
const stage = document.getElementById("stage");
const toggle = document.getElementById("toggle");
const readout = document.getElementById("readout");
const hint = document.getElementById("hint");
const linesBox = document.getElementById("lines");
const ctx = canvas.getContext("2d");

// Frames kept for re-sending until the server acknowledges them (pose_core's
// DeviceLimits.max_frames is 64).
const MAX_PENDING = 48;
const SLOW_AFTER_MS = 4000;

let args = null;
let camera = "stopped";
let stream = null;
let fileset = null;
let simd = false;
// The running landmarker and what it was made with.
let runner = null; // {landmarker, model, delegate, fallback, options, since}
let loading = null; // the model being loaded
let loadSeq = 0;
let lastDetectTs = 0;
const pending = [];
let lastSent = 0;
let lastStatusText = "";
let lastRejected = 0;
// Recent frames: [time ms, inference ms].
const recent = [];
let people = 0;
let frames = 0;

function send(type, data) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}

function setHeight() {
  send("streamlit:setFrameHeight", { height: document.documentElement.scrollHeight });
}
new ResizeObserver(setHeight).observe(document.body);

// ---- the model ---------------------------------------------------------------------

// Why the GPU delegate is not tried ("" = try it). A software WebGL renderer (headless
// browsers, some VMs) runs the GPU delegate slower than the CPU one.
function gpuProblem() {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (!gl) return "no WebGL";
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer)
    ? "software WebGL" : "";
}

function detectorOptions(a) {
  return {
    numPoses: a.num_poses,
    minPoseDetectionConfidence: a.min_pose_detection_confidence,
    minPosePresenceConfidence: a.min_pose_presence_confidence,
    minTrackingConfidence: a.min_tracking_confidence,
  };
}

async function createLandmarker(a, forceCpu) {
  if (!fileset) {
    fileset = await FilesetResolver.forVisionTasks(new URL(a.wasm_base, location.href).href);
    simd = !fileset.wasmLoaderPath.includes("nosimd");
  }
  const make = (delegate) => PoseLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: new URL(a.model_url, location.href).href, delegate },
    runningMode: "VIDEO",
    outputSegmentationMasks: false,
    ...detectorOptions(a),
  });
  let fallback = forceCpu ? "GPU failed" : gpuProblem();
  if (!fallback) {
    try {
      return { landmarker: await make("GPU"), delegate: "GPU", fallback: "" };
    } catch (e) {
      console.warn("GPU delegate failed, using the CPU", e);
      fallback = "GPU failed";
    }
  }
  return { landmarker: await make("CPU"), delegate: "CPU", fallback };
}

// A new model loads beside the running one, which keeps drawing until the new one is ready.
async function ensureModel(forceCpu = false) {
  if (!args || camera !== "playing") return;
  const want = args.model;
  if (!forceCpu && (runner?.model === want || loading === want)) return;
  loading = want;
  const seq = ++loadSeq;
  showHint(`Loading the ${label(want)} model on this device…`);
  try {
    const made = await createLandmarker(args, forceCpu);
    if (seq !== loadSeq || camera !== "playing") { made.landmarker.close(); return; }
    const old = runner;
    runner = { ...made, model: want, options: JSON.stringify(detectorOptions(args)),
               since: performance.now() };
    recent.length = 0;
    old?.landmarker.close();
    showHint("");
  } catch (e) {
    console.error(e);
    if (seq === loadSeq) showHint(`The ${label(want)} model could not start on this device `
      + `(${e?.name || "error"}). Choose **Run on: This server** instead.`);
  } finally {
    if (seq === loadSeq) loading = null;
  }
  applyOptions();
}

function applyOptions() {
  if (!runner || !args) return;
  const options = JSON.stringify(detectorOptions(args));
  if (options !== runner.options) {
    runner.options = options;
    runner.landmarker.setOptions(detectorOptions(args));
  }
}

function label(model) { return model ? model[0].toUpperCase() + model.slice(1) : ""; }

// ---- the camera ----------------------------------------------------------------------

async function startCamera() {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    setCamera("insecure");
    return;
  }
  setCamera("starting");
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 },
               facingMode: { ideal: args?.facing_mode || "user" } },
      audio: false,
    });
    video.srcObject = stream;
    await video.play();
    setCamera("playing");
    ensureModel();
    video.requestVideoFrameCallback(onFrame);
  } catch (e) {
    stopTracks();
    setCamera(/^[A-Za-z]{1,40}$/.test(e?.name || "") ? e.name : "AbortError");
  }
}

function stopTracks() {
  stream?.getTracks().forEach((t) => t.stop());
  stream = null;
  video.srcObject = null;
}

function stopCamera() {
  stopTracks();
  loadSeq += 1;
  runner?.landmarker.close();
  runner = null;
  loading = null;
  recent.length = 0;
  people = 0;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  showHint("");
  setCamera("stopped");
}

function setCamera(state) {
  camera = state;
  const on = state === "playing" || state === "starting";
  toggle.textContent = on ? "Stop" : "Start";
  toggle.classList.toggle("stop", on);
  updateReadout();
  flush(true);
}

toggle.addEventListener("click", () => (camera === "playing" || camera === "starting"
  ? stopCamera() : startCamera()));

// ---- each frame ------------------------------------------------------------------------

// A read-only hook for measurements (bench/bench_ondevice.py): when the page sets
// window.__ondeviceProbe, its "before" is called with the video and the frame's
// requestVideoFrameCallback metadata just before a detection, and its "drawn" with the
// metadata, the time the skeleton was drawn and the people found. Nothing by default.
function onFrame(now, meta) {
  if (camera !== "playing") return;
  if (runner && video.videoWidth) {
    const probe = window.__ondeviceProbe;
    probe?.before?.(video, meta);
    const started = performance.now();
    const ts = Math.max(lastDetectTs + 1, Math.round(started));
    lastDetectTs = ts;
    let result = null;
    try {
      result = runner.landmarker.detectForVideo(video, ts);
    } catch (e) {
      console.error(e);
      if (runner.delegate === "GPU") { runner = null; ensureModel(true); }
    }
    if (result) {
      const inference = performance.now() - started;
      const when = performance.timeOrigin + started;
      recent.push([started, inference]);
      while (recent.length && started - recent[0][0] > 3000) recent.shift();
      draw(result);
      probe?.drawn?.(meta, performance.now(), result.landmarks.length);
      keep(result, when, inference);
      frames += 1;
      people = result.landmarks.length;
      updateReadout();
      checkSpeed(started);
    }
  }
  video.requestVideoFrameCallback(onFrame);
}

function speed() {
  if (recent.length < 2) return { fps: 0, inference: 0 };
  const span = recent[recent.length - 1][0] - recent[0][0];
  const inference = recent.reduce((s, r) => s + r[1], 0) / recent.length;
  return { fps: span > 0 ? (recent.length - 1) * 1000 / span : 0, inference };
}

function checkSpeed(now) {
  if (!runner || loading || now - runner.since < SLOW_AFTER_MS) return;
  const { fps } = speed();
  if (fps > 0 && fps < args.slow_fps) {
    showHint(`This device runs the ${label(runner.model)} model at ${fps.toFixed(1)} frames/s. `
      + (runner.model !== "lite" ? "Choose **Lite** in the sidebar, or " : "Choose ")
      + "**Run on: This server** for a smoother picture.");
  } else if (hint.dataset.kind === "slow") {
    showHint("");
  }
}

function showHint(text) {
  hint.hidden = !text;
  hint.dataset.kind = text.startsWith("This device runs") ? "slow" : "";
  // Bold as Streamlit's markdown writes it; the text is ours, never the server's.
  hint.innerHTML = text.replace(/\*\*(.+?)\*\*/g, "<b>$1</b>");
  setHeight();
}

function updateReadout() {
  const { fps, inference } = speed();
  const d = readout.dataset;
  d.camera = camera;
  d.delegate = runner?.delegate ?? "";
  d.fallback = runner?.fallback ?? "";
  d.simd = runner ? String(simd) : "";
  d.model = runner?.model ?? "";
  d.fps = fps.toFixed(1);
  d.inference = inference.toFixed(0);
  d.people = String(people);
  d.frames = String(frames);
  if (!runner) {
    readout.textContent = camera === "playing" ? "Loading the model…" : "";
    return;
  }
  const runs = runner.delegate + (runner.fallback ? ` (${runner.fallback})` : "");
  readout.textContent = `${fps.toFixed(1)} fps · ${inference.toFixed(0)} ms · `
    + `${people} ${people === 1 ? "person" : "people"} · ${label(runner.model)} · ${runs} · `
    + (simd ? "SIMD" : "no SIMD");
}

// ---- drawing: pose_core/drawing.py's style, with its colours handed in ----------------

function rgb(c, alpha = 1) { return `rgba(${c[0]},${c[1]},${c[2]},${alpha})`; }

function drawSkeleton(points, keep, colours, thickness, alpha) {
  const radius = Math.max(2, Math.round(thickness * 1.4));
  const { connections, bone_sides: boneSides, landmark_sides: sides, outline } = args.style;
  ctx.lineCap = "round";
  connections.forEach(([a, b], n) => {
    if (!keep[a] || !keep[b]) return;
    for (const [colour, width] of [[outline, thickness + 2], [colours[boneSides[n]], thickness]]) {
      ctx.strokeStyle = rgb(colour, alpha);
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.moveTo(points[a][0], points[a][1]);
      ctx.lineTo(points[b][0], points[b][1]);
      ctx.stroke();
    }
  });
  points.forEach((p, i) => {
    if (!keep[i]) return;
    for (const [colour, r] of [[outline, radius + 1], [colours[sides[i]], radius]]) {
      ctx.fillStyle = rgb(colour, alpha);
      ctx.beginPath();
      ctx.arc(p[0], p[1], r, 0, 2 * Math.PI);
      ctx.fill();
    }
  });
}

function draw(result) {
  const w = video.videoWidth, h = video.videoHeight;
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  ctx.clearRect(0, 0, w, h);
  const style = args.style;
  const thickness = Math.max(2, Math.round(Math.min(w, h) / 220));
  const n = result.landmarks.length;
  result.landmarks.forEach((person, i) => {
    const colours = n <= 1 ? style.single : style.multi[i % style.multi.length];
    const points = person.map((p) => [p.x * w, p.y * h]);
    const visible = person.map((p) => (p.visibility ?? 0) >= args.visibility_threshold);
    // Low-visibility joints and their bones faintly under the solid skeleton, as on the
    // server's overlay.
    if (visible.some((v) => !v)) drawSkeleton(points, person.map(() => true), colours, thickness, 0.35);
    drawSkeleton(points, visible, colours, thickness, 1);
  });
}

// ---- landmarks back to the app ------------------------------------------------------

const r4 = (v) => Math.round(v * 1e4) / 1e4;
const unit = (v) => Math.min(1, Math.max(0, v ?? 0));

function keep(result, when, inference) {
  const poses = [];
  result.landmarks.forEach((person, i) => {
    const world = result.worldLandmarks[i] || [];
    const l = person.flatMap((p) => [r4(p.x), r4(p.y), r4(p.z), r4(unit(p.visibility)),
                                     r4(unit(p.presence))]);
    const wl = world.flatMap((p) => [r4(p.x), r4(p.y), r4(p.z)]);
    // A pose with a number JSON cannot carry would get the whole message refused.
    if (l.length === 165 && wl.length === 99 && [...l, ...wl].every(Number.isFinite)) {
      poses.push({ l, w: wl });
    }
  });
  pending.push({ t: Math.round(when * 10) / 10, w: video.videoWidth, h: video.videoHeight,
                 ms: Math.round(inference * 100) / 100, poses });
  while (pending.length > MAX_PENDING) pending.shift();
}

function status() {
  const { fps, inference } = speed();
  return {
    camera, delegate: runner?.delegate ?? "", simd: !!runner && simd,
    fallback: runner?.fallback ?? "", model: runner?.model ?? "",
    fps: Math.round(fps * 10) / 10, inference_ms: Math.round(inference * 10) / 10,
  };
}

// Sends the unacknowledged frames, or the status alone when it changed or once a second.
function flush(force = false) {
  if (!args) return;
  const now = performance.now();
  const statusText = JSON.stringify(status());
  const due = pending.length > 0 || statusText !== lastStatusText || now - lastSent > 1000;
  if (!force && !due) return;
  lastSent = now;
  lastStatusText = statusText;
  const text = JSON.stringify({ v: 1, token: args.token, status: status(), frames: pending });
  send("streamlit:setComponentValue", { value: text, dataType: "json" });
}

// ---- arguments from the app ------------------------------------------------------------

window.addEventListener("message", (event) => {
  if (event.source !== window.parent || event.data?.type !== "streamlit:render") return;
  const first = args === null;
  args = event.data.args;
  // Frames the server has: no need to send them again.
  while (pending.length && pending[0].t <= args.ack) pending.shift();
  // The server refused a message (which should not happen with this page): drop what
  // it refused rather than send it again and again.
  if (args.rejected !== lastRejected) { lastRejected = args.rejected; pending.length = 0; }
  stage.classList.toggle("mirror", !!args.mirror);
  linesBox.textContent = (args.lines || []).join("\n");
  if (first) setInterval(() => flush(), args.batch_ms);
  ensureModel();
  applyOptions();
  if (first) { flush(true); setHeight(); }
});

send("streamlit:componentReady", { apiVersion: 1 });
