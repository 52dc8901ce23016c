import { pickForScaleIn } from './local.actuator.js';

describe(pickForScaleIn.name, () => {
  const worker = (id: string, state: string, running: number, startedAt: number) => ({
    id,
    state,
    running,
    startedAt,
  });

  it('stops idle workers first (starting ones, then the youngest), then the least busy', () => {
    const live = [
      worker('busy', 'ready', 5, 1),
      worker('idle-old', 'ready', 0, 1),
      worker('idle-young', 'ready', 0, 2),
      worker('starting', 'starting', 0, 3),
      worker('starting-busy', 'starting', 2, 4),
      worker('light', 'ready', 1, 1),
    ];
    expect(pickForScaleIn(live, 5).map((w) => w.id)).toEqual([
      'starting',
      'idle-young',
      'idle-old',
      'light',
      'starting-busy',
    ]);
  });
});
