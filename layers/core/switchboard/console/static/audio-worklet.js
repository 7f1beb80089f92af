// The web call's audio in the page: the microphone as 16-bit PCM at 8 kHz in 20 ms frames, and the
// agent's audio played from a queue that echoes each mark when playback reaches it.
const RATE = 8000;

class Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / RATE; // input samples per output sample (1 in an 8 kHz context)
    this.pos = 0; this.acc = 0; this.count = 0;
    this.frame = new Int16Array(160); this.n = 0;
  }
  process(inputs) {
    const input = inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) {
      this.acc += input[i]; this.count++; this.pos++;
      if (this.pos >= this.step) { // average the span each output sample covers (a crude low-pass)
        this.pos -= this.step;
        const v = Math.max(-1, Math.min(1, this.acc / this.count));
        this.acc = 0; this.count = 0;
        this.frame[this.n++] = Math.round(v * 32767);
        if (this.n === 160) { this.port.postMessage(this.frame.buffer, [this.frame.buffer]); this.frame = new Int16Array(160); this.n = 0; }
      }
    }
    return true;
  }
}

class Playback extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = []; this.pos = 0; this.step = RATE / sampleRate; this.played = 0;
    this.port.onmessage = (e) => {
      const m = e.data;
      if (m.clear) { // drop what is queued; every pending mark is echoed at once
        for (const item of this.queue) if (item.mark) this.port.postMessage({ mark: item.mark });
        this.queue = []; this.pos = 0;
      } else this.queue.push(m);
    };
  }
  process(_inputs, outputs) {
    const out = outputs[0][0];
    for (let i = 0; i < out.length; i++) {
      while (this.queue.length && this.queue[0].mark) this.port.postMessage({ mark: this.queue.shift().mark });
      const head = this.queue[0];
      if (!head) { out[i] = 0; continue; }
      out[i] = head.samples[Math.floor(this.pos)];
      this.pos += this.step; this.played++;
      if (this.pos >= head.samples.length) { this.queue.shift(); this.pos = 0; }
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    return true;
  }
}

registerProcessor("sb-capture", Capture);
registerProcessor("sb-playback", Playback);
