const SIZE = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const MULTIPLIERS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes ("64m", "1.5g", "10MiB" with binary multipliers); undefined when it is no size. */
export function ramInBytes(value: string): number | undefined {
  const m = SIZE.exec(value);
  return m ? Math.trunc(Number(m[1]) * MULTIPLIERS[(m[2] ?? '').toLowerCase()]!) : undefined;
}
