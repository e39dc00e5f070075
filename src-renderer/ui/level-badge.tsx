import { LEVEL_WORD, type UiLevel } from '../app/levels.ts';

/** A status level as its tray colour AND its word (never colour alone); `word` overrides the default word. */
export function LevelBadge(props: { level: UiLevel; word?: string }) {
  return (
    <span className={`badge level-${props.level}`} data-level={props.level}>
      <span className="dot" aria-hidden="true" />
      {props.word ?? LEVEL_WORD[props.level]}
    </span>
  );
}
