import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { gitCommit } from "./meta.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);

/** A checkout whose `.git` is a folder, and a linked worktree whose `.git` is a pointer file. */
async function layout(): Promise<{ main: string; worktree: string; root: string }> {
  const root = await Deno.makeTempDir();
  const main = `${root}/main`;
  const worktree = `${root}/wt`;
  await Deno.mkdir(`${main}/.git/refs/heads`, { recursive: true });
  await Deno.mkdir(`${main}/.git/worktrees/wt`, { recursive: true });
  await Deno.mkdir(worktree);
  await Deno.writeTextFile(`${main}/.git/HEAD`, "ref: refs/heads/main\n");
  await Deno.writeTextFile(`${main}/.git/refs/heads/main`, `${A}\n`);
  // The worktree's branch exists only in packed-refs of the common directory.
  await Deno.writeTextFile(`${main}/.git/packed-refs`, `# pack-refs\n${B} refs/heads/side\n`);
  await Deno.writeTextFile(`${main}/.git/worktrees/wt/HEAD`, "ref: refs/heads/side\n");
  await Deno.writeTextFile(`${main}/.git/worktrees/wt/commondir`, "../..\n");
  await Deno.writeTextFile(`${worktree}/.git`, `gitdir: ${main}/.git/worktrees/wt\n`);
  return { main, worktree, root };
}

Deno.test("gitCommit reads a checkout and a linked worktree (.git as a gitdir pointer)", async () => {
  const { main, worktree, root } = await layout();
  try {
    assertEquals(await gitCommit(main), A);
    assertEquals(await gitCommit(worktree), B);
    // A relative pointer resolves against the checkout.
    await Deno.writeTextFile(`${worktree}/.git`, "gitdir: ../main/.git/worktrees/wt\n");
    assertEquals(await gitCommit(worktree), B);
    // A detached HEAD in the worktree is the commit itself.
    await Deno.writeTextFile(`${main}/.git/worktrees/wt/HEAD`, `${A}\n`);
    assertEquals(await gitCommit(worktree), A);
    assertEquals(await gitCommit(`${root}/nowhere`), "unknown");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
