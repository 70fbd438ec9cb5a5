// Types of scripts/build-cli.mjs (the nslab command's build), for the tests and the bench.
export declare const ROOT: string;
/** The current build's entry file when it was built from the sources as they are now, else null. */
export declare function currentBuild(root?: string): string | null;
/** Builds when the current build is stale (or always, with force); returns its entry file. */
export declare function buildCli(opts?: { root?: string; force?: boolean; quiet?: boolean }): Promise<{ entry: string; built: boolean }>;
