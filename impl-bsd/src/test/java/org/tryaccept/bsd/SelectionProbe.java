package org.tryaccept.bsd;

import org.tryaccept.ServerSockets;

/** Run in a forked JVM: prints the provider ServerSockets selects there, or the selection error. */
public final class SelectionProbe {
    private SelectionProbe() {
    }

    public static void main(String[] args) {
        try {
            System.out.println("provider=" + ServerSockets.provider().name());
        } catch (IllegalStateException e) {
            System.out.println("error=" + e.getMessage());
        }
    }
}
