// The sound cue for critical incidents: a short two-tone beep made with WebAudio, so there is no
// audio file to ship. Browsers allow audio only after a user gesture, so the context is created on
// sign-in (a click) or on the sound button; until then the top bar says sound is off. Each cue is
// counted on <body data-alarm-cues>, which shows that it fired even where no speaker is attached.
let context: AudioContext | null = null;

export function unlockSound(): void {
  context ??= new AudioContext();
  void context.resume();
}

export const soundEnabled = (): boolean => context?.state === 'running';

export function alarmCue(): void {
  document.body.dataset.alarmCues = String(Number(document.body.dataset.alarmCues ?? 0) + 1);
  if (context?.state !== 'running') return;
  const start = context.currentTime;
  for (const [i, frequency] of [988, 784, 988, 784].entries()) {
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.type = 'square';
    osc.frequency.value = frequency;
    const t0 = start + i * 0.18;
    // A short attack and release; a square wave that starts at full volume clicks.
    gain.gain.setValueAtTime(0, t0);
    gain.gain.linearRampToValueAtTime(0.15, t0 + 0.01);
    gain.gain.linearRampToValueAtTime(0, t0 + 0.16);
    osc.connect(gain).connect(context.destination);
    osc.start(t0);
    osc.stop(t0 + 0.17);
  }
}
