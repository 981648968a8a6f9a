export declare const ARCH_NAMES: Record<number, string>;
export declare function claudePackageFor(platform: string, arch: string): string;
export declare function claudeExecutableName(platform: string): string;
export declare function planClaudeBinary(opts: { platform: string; arch: string; unpackedModules: string }): { binary: string; foreign: string[] };
