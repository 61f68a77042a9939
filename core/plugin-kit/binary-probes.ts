// A plugin's uprobes are attached once per binary, for every pid (pid -1):
// its processes then differ only by their config map entries.
import type { BpfLink } from '../bpf/bpf-link';
import type { BpfObject } from '../bpf/bpf-object';
import type { ProbeSpec, ProcessTarget } from '../engine/plugin';

export class BinaryProbes {
  private readonly attached = new Set<string>();

  /**
   * Attaches `probes` to the target's binary unless that was done already;
   * `cookies[i]`, when given, is probe i's attach cookie. Returns the links
   * made (0 for a known binary). On failure nothing stays attached.
   */
  attachOnce(obj: BpfObject, target: ProcessTarget, probes: readonly ProbeSpec[], cookies?: readonly number[]): number {
    if (this.attached.has(target.binaryKey)) return 0;
    const links: BpfLink[] = [];
    try {
      probes.forEach((p, i) => {
        const cookie = cookies ? BigInt(cookies[i] ?? 0) : undefined;
        links.push(obj.attachUprobe(p.program, { binaryPath: target.attachPath, fileOffset: p.fileOffset, pid: -1, ...(cookie === undefined ? {} : { cookie }) }));
      });
    } catch (e) {
      void obj.detachLinks(links); // nothing half-attached stays behind
      throw e;
    }
    this.attached.add(target.binaryKey);
    return links.length;
  }
}
