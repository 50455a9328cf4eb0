// Plays a Strudel pattern at a SuperDirt endpoint (LiveEngine's [dirt] port) the way Strudel's OSC output does:
// one /dirt/play message per event onset, with the event's controls plus cps, cycle and delta, in a bundle whose
// time tag is the event's time. Strudel's own code (@strudel/core, @strudel/mini) computes the events.
//
// node play.mjs PORT CYCLES CPS T0_NTP_HIGH T0_NTP_LOW [PATTERN]
//   T0 is the NTP time (seconds since 1900 as two 32-bit halves) of cycle 0.
// Prints one JSON line per event: {"begin":[num,den],"s":"bd","n":0} (begin in cycles, exact).
import { register } from 'node:module';

register('./resolve-hook.mjs', import.meta.url);
const { s } = await import('@strudel/core');
const { miniAllStrings } = await import('@strudel/mini');
const osc = (await import('osc')).default;

const [port, cycles, cps, high, low] = process.argv.slice(2, 7).map(Number);
const code = process.argv[7] ?? 'bd*4, hh*8';
if (!(port > 0) || !(cycles > 0) || !(cps > 0) || !(high > 0)) {
  console.error('usage: node play.mjs PORT CYCLES CPS T0_NTP_HIGH T0_NTP_LOW [PATTERN]');
  process.exit(2);
}

miniAllStrings();
const pattern = s(code);
const haps = pattern.queryArc(0, cycles).filter((hap) => hap.hasOnset());
haps.sort((a, b) => a.whole.begin.valueOf() - b.whole.begin.valueOf());

const t0 = BigInt(high) * 4294967296n + BigInt(low);
const udp = new osc.UDPPort({ localAddress: '127.0.0.1', localPort: 0, remoteAddress: '127.0.0.1', remotePort: port });
udp.on('error', (e) => {
  console.error('osc: ' + e.message);
  process.exit(1);
});
udp.on('ready', async () => {
  for (const hap of haps) {
    const begin = hap.whole.begin;
    const [num, den] = [BigInt(begin.n) * BigInt(begin.s), BigInt(begin.d)];
    // The event's NTP time: t0 + begin / cps seconds, in 1/2^32 s, rounded to nearest.
    const cpsDen = 1000000n;
    const cpsNum = BigInt(Math.round(cps * 1000000));
    const offset = (num * cpsDen * 4294967296n * 2n + den * cpsNum) / (2n * den * cpsNum);
    const raw = t0 + offset;
    const controls = { ...hap.value, cps, cycle: begin.valueOf(), delta: hap.duration.valueOf() / cps };
    const args = [];
    for (const [key, value] of Object.entries(controls)) {
      args.push({ type: 's', value: key });
      args.push(typeof value === 'string' ? { type: 's', value } : { type: 'f', value });
    }
    udp.send({
      timeTag: { raw: [Number(raw >> 32n), Number(raw & 0xffffffffn)] },
      packets: [{ address: '/dirt/play', args }],
    });
    console.log(JSON.stringify({ begin: [Number(num), Number(den)], s: hap.value.s, n: hap.value.n ?? 0 }));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  udp.close();
});
udp.open();
