package org.tryaccept.internal;

import java.util.Locale;

/** The operating systems tryaccept knows, read from {@code os.name}. */
public enum OsFamily {
    LINUX, FREEBSD, MACOS, OTHER;

    public static OsFamily of(String osName) {
        String n = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        if (n.startsWith("linux")) {
            return LINUX;
        }
        if (n.startsWith("freebsd")) {
            return FREEBSD;
        }
        if (n.startsWith("mac") || n.startsWith("darwin")) {
            return MACOS;
        }
        return OTHER;
    }

    public static OsFamily current() {
        return of(System.getProperty("os.name"));
    }

    /** @return true for the 64-bit architectures tryaccept's layouts cover (x86_64 and aarch64) */
    public static boolean isSupportedArch(String osArch) {
        String a = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
        return a.equals("amd64") || a.equals("x86_64") || a.equals("aarch64") || a.equals("arm64");
    }
}
