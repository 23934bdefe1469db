/** What a plugin declares about itself (a leaf module so every layer can import the type). */
export type PluginKind = 'backend' | 'guide' | 'loss' | 'optimizer' | 'callback';

export interface PluginMeta {
  readonly kind: PluginKind;
  /** Registry name: NumPyro's spelling where one exists. */
  readonly name: string;
}
