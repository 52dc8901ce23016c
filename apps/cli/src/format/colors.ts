import type pc from 'picocolors';

/** picocolors' functions, on or off. */
export type Colors = ReturnType<typeof pc.createColors>;
