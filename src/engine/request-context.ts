/**
 * The request context: condition keys and their values. Key names match case-insensitively,
 * as IAM condition keys do, including the key part of `kms:EncryptionContext:KEY`.
 */

export class RequestContextValues {
  private readonly values = new Map<string, { key: string; values: string[] }>()
  private readonly present = new Set<string>()
  private readonly unknownPrefixes: string[] = []

  /**
   * Marks a key that every real request carries but whose value is not known, such as
   * aws:CurrentTime. Conditions on it evaluate to `unknown` rather than to "absent".
   */
  markPresentWithUnknownValue(key: string): void {
    this.present.add(key.toLowerCase())
  }

  /**
   * Marks every key with this prefix (such as `aws:ResourceTag/`) as unknown: whether the
   * request carries it, and with which value, is not known.
   */
  markPrefixUnknown(prefix: string): void {
    this.unknownPrefixes.push(prefix.toLowerCase())
  }

  /** Returns true for a key marked with `markPresentWithUnknownValue` and given no value. */
  hasUnknownValue(key: string): boolean {
    const lower = key.toLowerCase()
    return this.present.has(lower) && !this.values.has(lower)
  }

  /** Returns true when even the presence of the key is unknown (see `markPrefixUnknown`). */
  hasUnknownPresence(key: string): boolean {
    const lower = key.toLowerCase()
    return (
      !this.values.has(lower) && this.unknownPrefixes.some((prefix) => lower.startsWith(prefix))
    )
  }

  /** Sets a key, replacing any earlier value. */
  set(key: string, value: string | string[]): void {
    const values = Array.isArray(value) ? value : [value]
    this.values.set(key.toLowerCase(), { key, values })
  }

  /** Returns the key's values, or undefined when the request does not carry the key. */
  get(key: string): string[] | undefined {
    return this.values.get(key.toLowerCase())?.values
  }

  has(key: string): boolean {
    return this.values.has(key.toLowerCase())
  }

  /** Returns the entries whose key starts with `prefix`, such as `kms:EncryptionContext:`. */
  withPrefix(prefix: string): { key: string; values: string[] }[] {
    const lowerPrefix = prefix.toLowerCase()
    return [...this.values.entries()]
      .filter(([lowerKey]) => lowerKey.startsWith(lowerPrefix))
      .map(([, entry]) => entry)
  }
}
