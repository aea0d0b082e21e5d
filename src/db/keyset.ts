// Where a keyset page starts: after the cursor's row in list order, or — backward — before it, read
// in reverse list order (the caller restores list order).
export interface KeysetWindow<K> {
  cursor?: K | null;
  backward?: boolean;
}
