/**
 * Import rules checked by `pnpm lint:imports` (part of `pnpm test`): no file of the shipped
 * code imports itself through others, and no folder does, so the code reads top down.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      comment: 'Files that import each other in a loop: move what they share to a third file.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders that import each other in a loop: one of them owns what both need.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The shipped code: tests sit beside it and share fixtures with it, and nothing imports them.
    exclude: { path: '(^|/)(dist|node_modules|coverage|test)/|\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
  },
};
