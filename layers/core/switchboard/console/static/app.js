// Switchboard's console: the /v1 API with the key the user signs in with (kept in this tab only).
const $ = (sel, root = document) => root.querySelector(sel);
const view = $("#view");
const say = (text) => { $("#status").textContent = text; };
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
let key = sessionStorage.getItem("sbKey") || "";
let stopLive = null; // what to stop when leaving a page (polls, streams)

async function api(method, path, body) {
  const resp = await fetch(path, { method, headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const data = resp.status === 204 ? null : await resp.json().catch(() => null);
  if (!resp.ok) throw new Error((data && data.detail) || `HTTP ${resp.status}`);
  return data;
}

function show(html, title) {
  view.innerHTML = html; view.hidden = false; $("#signin").hidden = true; $("#nav").hidden = false;
  document.title = `${title} · Switchboard console`;
  for (const a of document.querySelectorAll("nav a")) a.toggleAttribute("aria-current", location.hash.startsWith(a.getAttribute("href")));
  if (a11yFocus) $("h2", view)?.focus();
}
let a11yFocus = false;

// --- agents -------------------------------------------------------------------------------------------
async function agents() {
  const [list, voices, numbers] = await Promise.all([api("GET", "/v1/agents?limit=100"), api("GET", "/v1/agents/voices"), api("GET", "/v1/numbers?limit=100")]);
  const voiceOptions = (v) => voices.data.map((x) => `<option value="${esc(x.voiceId)}" ${x.voiceId === v ? "selected" : ""}>${esc(x.name)}</option>`).join("");
  const free = numbers.data.filter((n) => !n.agentId);
  const form = (a = {}) => `
    <form class="agent" data-id="${esc(a.id || "")}">
      <label for="name-${esc(a.id)}">Name</label><input id="name-${esc(a.id)}" name="name" required value="${esc(a.name)}">
      <label for="mode-${esc(a.id)}">Voice mode</label>
      <select id="mode-${esc(a.id)}" name="voiceMode"><option value="webhook">webhook</option><option value="hosted" ${a.voiceMode === "hosted" ? "selected" : ""}>hosted</option></select>
      <label for="voice-${esc(a.id)}">Voice</label><select id="voice-${esc(a.id)}" name="voice">${voiceOptions(a.voice)}</select>
      <label for="greet-${esc(a.id)}">Greeting (beginMessage)</label><input id="greet-${esc(a.id)}" name="beginMessage" value="${esc(a.beginMessage)}">
      <label for="prompt-${esc(a.id)}">System prompt (hosted mode)</label><textarea id="prompt-${esc(a.id)}" name="systemPrompt">${esc(a.systemPrompt)}</textarea>
      <button type="submit">${a.id ? "Save" : "Create agent"}</button>
      ${a.id ? `<button type="button" class="talk" data-id="${esc(a.id)}">Talk to this agent</button>` : ""}
      ${a.id && free.length ? `<label for="attach-${esc(a.id)}">Attach a number</label>
        <select id="attach-${esc(a.id)}" class="attach">${free.map((n) => `<option value="${esc(n.id)}">${esc(n.phoneNumber)}</option>`).join("")}</select>
        <button type="button" class="secondary attach-btn">Attach</button>` : ""}
      ${a.id ? `<p>Numbers: ${(a.numbers || []).map((n) => esc(n.phoneNumber)).join(", ") || "none"}</p>` : ""}
    </form>`;
  show(`<h2 tabindex="-1">Agents</h2><section id="webcall" hidden></section>${list.data.map((a) => `<section aria-label="Agent ${esc(a.name)}"><h3>${esc(a.name)}</h3>${form(a)}</section>`).join("")}
    <section aria-labelledby="new-agent"><h3 id="new-agent">New agent</h3>${form()}</section>`, "Agents");
  for (const f of view.querySelectorAll("form.agent")) {
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = Object.fromEntries(new FormData(f));
      for (const k of ["beginMessage", "systemPrompt"]) if (!body[k]) body[k] = null;
      try { await api(f.dataset.id ? "PATCH" : "POST", f.dataset.id ? `/v1/agents/${f.dataset.id}` : "/v1/agents", body); say("Agent saved."); agents(); }
      catch (err) { say(err.message); }
    });
    $(".attach-btn", f)?.addEventListener("click", async () => {
      try { await api("POST", `/v1/agents/${f.dataset.id}/numbers`, { numberId: $(".attach", f).value }); say("Number attached."); agents(); }
      catch (err) { say(err.message); }
    });
    $(".talk", f)?.addEventListener("click", () => talk(f.dataset.id));
  }
}

// --- numbers ------------------------------------------------------------------------------------------
async function numbers() {
  const list = await api("GET", "/v1/numbers?limit=100");
  show(`<h2 tabindex="-1">Numbers</h2><table><thead><tr><th scope="col">Number</th><th scope="col">Agent</th><th scope="col">Status</th><th scope="col">Since</th></tr></thead>
    <tbody>${list.data.map((n) => `<tr><td>${esc(n.phoneNumber)}</td><td>${esc(n.agentId || "—")}</td><td>${esc(n.status)}</td><td>${esc(n.createdAt)}</td></tr>`).join("") || `<tr><td colspan="4">No numbers yet.</td></tr>`}</tbody></table>
    <form id="buy"><label for="area">Area code</label><input id="area" name="areaCode" inputmode="numeric" pattern="[0-9]{3}" value="415"><button type="submit">Buy a number</button></form>`, "Numbers");
  $("#buy").addEventListener("submit", async (e) => {
    e.preventDefault();
    try { const n = await api("POST", "/v1/numbers", { areaCode: $("#area").value }); say(`Bought ${n.phoneNumber}.`); numbers(); } catch (err) { say(err.message); }
  });
}

// --- calls --------------------------------------------------------------------------------------------
const badge = (status) => `<span class="badge ${esc(status)}">${esc(status)}</span>`;
async function calls() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  show(`<h2 tabindex="-1">Calls</h2><form id="filters" class="filters">
      <div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">any</option>${["queued", "ringing", "in-progress", "completed", "failed", "busy", "no-answer", "canceled"].map((s) => `<option ${params.get("status") === s ? "selected" : ""}>${s}</option>`).join("")}</select></div>
      <div><label for="f-direction">Direction</label><select id="f-direction" name="direction"><option value="">any</option>${["inbound", "outbound", "web"].map((s) => `<option ${params.get("direction") === s ? "selected" : ""}>${s}</option>`).join("")}</select></div>
      <div><label for="f-search">Number contains</label><input id="f-search" name="search" value="${esc(params.get("search"))}"></div>
      <div><button type="submit">Filter</button></div></form>
    <table><thead><tr><th scope="col">Call</th><th scope="col">Status</th><th scope="col">Direction</th><th scope="col">From → to</th><th scope="col">Last line</th></tr></thead><tbody id="rows"></tbody></table>`, "Calls");
  $("#filters").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = new URLSearchParams([...new FormData(e.target)].filter(([, v]) => v)).toString();
    location.hash = `calls${q ? "?" + q : ""}`;
  });
  const query = new URLSearchParams([...params].filter(([, v]) => v)); query.set("limit", "50");
  const refresh = async () => {
    const list = await api("GET", `/v1/calls?${query}`);
    $("#rows").innerHTML = list.data.map((c) => `<tr><td><a href="#call/${esc(c.id)}">${esc(c.id.slice(0, 14))}…</a></td><td>${badge(c.status)}</td><td>${esc(c.direction)}</td>
      <td>${esc(c.fromNumber)} → ${esc(c.toNumber)}</td><td>${esc(c.lastTranscriptSnippet || "")}</td></tr>`).join("") || `<tr><td colspan="5">No calls.</td></tr>`;
  };
  await refresh();
  const timer = setInterval(() => refresh().catch(() => {}), 2000); // states change without a reload
  stopLive = () => clearInterval(timer);
}

const latency = (l = {}) => Object.entries(l).filter(([, v]) => v != null).map(([k, v]) => `${k} ${v} ms`).join(", ");
const turnHtml = (t) => `<li class="turn" data-turn="${esc(t.id)}">${t.transcript ? `<p class="caller">Caller: ${esc(t.transcript)}</p>` : ""}
  <p class="agent">Agent: ${esc(t.response)}${t.interrupted ? " (interrupted)" : ""}</p><p class="latency">${esc(latency(t.latencyMs))}</p></li>`;

// Server-Sent Events over fetch, so the key travels in a header (EventSource cannot send one).
async function follow(callId, onEvent, signal) {
  const resp = await fetch(`/v1/calls/${callId}/transcript/stream`, { headers: { Authorization: `Bearer ${key}`, Accept: "text/event-stream" }, signal });
  if (!resp.ok) throw new Error(`transcript stream: HTTP ${resp.status}`);
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1]; const data = /^data: (.*)$/m.exec(block)?.[1];
      if (name && data) onEvent(name, JSON.parse(data));
    }
  }
}

async function liveCall(callId, into) {
  into.innerHTML = `<p>State: <span class="state">${badge("…")}</span></p><ol class="turns" aria-live="polite"></ol>`;
  const abort = new AbortController();
  follow(callId, (name, data) => {
    if (name === "connected") $(".state", into).innerHTML = badge(data.status);
    if (name === "turn" && !$(`[data-turn="${data.id}"]`, into)) $(".turns", into).insertAdjacentHTML("beforeend", turnHtml(data));
    if (name === "ended") { $(".state", into).innerHTML = badge(data.status); into.dataset.ended = data.status; }
  }, abort.signal).catch((err) => { if (!abort.signal.aborted) say(err.message); });
  const poll = setInterval(async () => { // the call's state (ringing, in progress) between turns
    try { const c = await api("GET", `/v1/calls/${callId}`); if (!into.dataset.ended) $(".state", into).innerHTML = badge(c.status); } catch { /* shown by the stream */ }
  }, 1000);
  return () => { abort.abort(); clearInterval(poll); };
}

async function callPage(callId) {
  const c = await api("GET", `/v1/calls/${callId}`);
  show(`<h2 tabindex="-1">Call ${esc(c.id)}</h2><p>${badge(c.status)} ${esc(c.direction)} · ${esc(c.fromNumber)} → ${esc(c.toNumber)} · ${esc(c.durationSeconds ?? "…")} s · ${esc(c.endReason || "")}</p>
    <div id="recording"></div><section id="live" aria-label="Transcript"></section>`, "Call");
  if (c.recordingAvailable) {
    const link = await api("POST", `/v1/calls/${callId}/recording/link`);
    $("#recording").innerHTML = `<label for="player">Recording (caller left, agent right)</label><audio id="player" controls preload="metadata" src="${esc(link.path)}"></audio>`;
  }
  stopLive = await liveCall(callId, $("#live"));
}

// --- talk to an agent (a web call from this page) --------------------------------------------------------
const MU = new Float32Array(256).map((_, i) => { // G.711 mu-law to float
  const b = ~i & 0xff, t = (((b & 0x0f) << 3) + 0x84) << ((b & 0x70) >> 4);
  return ((b & 0x80) ? 0x84 - t : t - 0x84) / 32768;
});

async function talk(agentId) {
  const panel = $("#webcall"); panel.hidden = false;
  panel.innerHTML = `<h3>Web call</h3><p id="call-state">Starting…</p><button type="button" class="danger" id="hangup">Hang up</button><div id="call-live"></div>`;
  const ctx = new AudioContext({ sampleRate: 8000 });
  await ctx.audioWorklet.addModule("audio-worklet.js");
  const mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
  const call = await api("POST", "/v1/calls/web", { agentId });
  const ws = new WebSocket(call.websocketUrl); ws.binaryType = "arraybuffer";
  const capture = new AudioWorkletNode(ctx, "sb-capture");
  const playback = new AudioWorkletNode(ctx, "sb-playback", { outputChannelCount: [1] });
  ctx.createMediaStreamSource(mic).connect(capture);
  playback.connect(ctx.destination);
  const stats = { marks: 0, frames: 0 }; window.sbWebCall = stats;
  capture.port.onmessage = (e) => { if (ws.readyState === WebSocket.OPEN) ws.send(e.data); };
  playback.port.onmessage = (e) => { stats.marks++; if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "mark", name: e.data.mark })); };
  let stopFollow = null;
  ws.onmessage = (e) => {
    if (typeof e.data !== "string") { stats.frames++; const b = new Uint8Array(e.data); playback.port.postMessage({ samples: Float32Array.from(b, (x) => MU[x]) }); return; }
    const m = JSON.parse(e.data);
    if (m.type === "start") { $("#call-state").textContent = `Connected: call ${m.callId}. Speak now.`; liveCall(m.callId, $("#call-live")).then((s) => { stopFollow = s; }); }
    if (m.type === "mark") playback.port.postMessage({ mark: m.name });
    if (m.type === "clear") playback.port.postMessage({ clear: true });
  };
  const end = () => { mic.getTracks().forEach((t) => t.stop()); ctx.close(); $("#call-state").textContent = "Call ended."; setTimeout(() => stopFollow?.(), 5000); };
  ws.onclose = end;
  ws.onerror = () => say("The web call's connection failed.");
  $("#hangup").addEventListener("click", () => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "hangup" })); ws.close(); });
  $("#hangup").focus();
}

// --- routing ------------------------------------------------------------------------------------------
async function route() {
  stopLive?.(); stopLive = null;
  if (!key) { $("#signin").hidden = false; view.hidden = true; $("#nav").hidden = true; return; }
  const [page, id] = location.hash.slice(1).split("?")[0].split("/");
  try {
    if (page === "numbers") await numbers();
    else if (page === "calls") await calls();
    else if (page === "call" && id) await callPage(id);
    else await agents();
  } catch (err) {
    say(err.message);
    if (/API key/.test(err.message)) { key = ""; sessionStorage.removeItem("sbKey"); route(); }
  }
  a11yFocus = true;
}

$("#signin-form").addEventListener("submit", async (e) => {
  e.preventDefault(); key = $("#apikey").value.trim();
  try { await api("GET", "/v1/agents?limit=1"); sessionStorage.setItem("sbKey", key); say("Signed in."); location.hash = "agents"; route(); }
  catch (err) { key = ""; say(err.message); }
});
$("#signout").addEventListener("click", () => { key = ""; sessionStorage.removeItem("sbKey"); location.hash = ""; route(); });
window.addEventListener("hashchange", route);
route();
