package org.tryaccept;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.tryaccept.spi.ServerSocketsProvider;

/** Chooses the provider once: the first one found by ServiceLoader that supports this platform. */
final class ProviderSelection {
    static final ServerSocketsProvider SELECTED;
    static final String FAILURE;

    static {
        List<String> seen = new ArrayList<>();
        ServerSocketsProvider chosen = null;
        String error = null;
        try {
            chosen = select(ServiceLoader.load(ServerSocketsProvider.class), seen);
            ClassLoader own = ProviderSelection.class.getClassLoader();
            if (chosen == null && own != Thread.currentThread().getContextClassLoader()) {
                chosen = select(ServiceLoader.load(ServerSocketsProvider.class, own), seen);
            }
        } catch (ServiceConfigurationError e) {
            error = "tryaccept: a ServerSocketsProvider could not be loaded: " + e.getMessage();
        }
        if (chosen == null && error == null) {
            error = noProviderMessage(System.getProperty("os.name"), System.getProperty("os.arch"), seen);
        }
        SELECTED = chosen;
        FAILURE = error;
    }

    private ProviderSelection() {
    }

    private static ServerSocketsProvider select(ServiceLoader<ServerSocketsProvider> loader, List<String> seen) {
        for (ServerSocketsProvider p : loader) {
            if (p.isSupported()) {
                return p;
            }
            seen.add(p.name());
        }
        return null;
    }

    static String noProviderMessage(String osName, String osArch, List<String> seen) {
        return "tryaccept: no provider supports os.name=" + osName + ", os.arch=" + osArch
                + (seen.isEmpty() ? " (none found)" : " (found, unsupported here: " + String.join(", ", seen) + ")")
                + "; add org.tryaccept:tryaccept-linux (Linux) or org.tryaccept:tryaccept-bsd (FreeBSD, macOS)"
                + " to the class or module path";
    }
}
