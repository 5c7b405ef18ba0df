/**
 * Bounded label values for sites: the first `cap` sitekeys seen get their own
 * label, every later one shares "other", so a flood of sites (or an attacker
 * who creates them) cannot blow up the number of series.
 */
export class SiteLabels {
  static readonly OTHER = 'other';
  /** The classic API has no sites. */
  static readonly NONE = 'none';
  private readonly known = new Set<string>();

  constructor(private readonly cap: number) {}

  /** Only call with sitekeys of sites that exist. */
  labelFor(sitekey: string): string {
    if (this.known.has(sitekey)) return sitekey;
    if (this.known.size >= this.cap) return SiteLabels.OTHER;
    this.known.add(sitekey);
    return sitekey;
  }
}
