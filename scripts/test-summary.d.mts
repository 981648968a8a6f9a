export declare function skippedFromTap(tap: string): Array<{ name: string; reason: string }>;
