/** Names a GGUF's `general.name` often holds that tell a person nothing: the architecture, or a placeholder. */
const GENERIC = new Set(['llama', 'model', 'gguf', 'unknown', 'untitled', 'mistral', 'qwen2', 'gemma', 'phi3']);

/**
 * A model as a person would recognise it: its `general.name`, unless that is only its architecture or
 * a placeholder — then its file name without `.gguf`.
 */
export function modelDisplayName(model: { name: string | null; architecture?: string | null; fileName?: string; path?: string }): string {
  const file = (model.fileName ?? model.path?.split(/[\\/]/).at(-1) ?? '').replace(/\.gguf$/i, '');
  const name = model.name?.trim() ?? '';
  const generic = !name || GENERIC.has(name.toLowerCase()) || name.toLowerCase() === model.architecture?.toLowerCase();
  return generic ? file || name || 'a model' : name;
}
