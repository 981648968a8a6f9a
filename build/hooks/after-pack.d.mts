export default function afterPack(context: { appOutDir: string; electronPlatformName: string; arch: number }): Promise<void>;
