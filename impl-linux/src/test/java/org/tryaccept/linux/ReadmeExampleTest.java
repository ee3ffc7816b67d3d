package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tryaccept.ServerSockets;

/** The README's usage example is the file examples/DeferredAcceptServer.java, and it works as shown. */
class ReadmeExampleTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path EXAMPLE = ROOT.resolve("examples/DeferredAcceptServer.java");

    @Test
    void readmeShowsTheExampleVerbatim() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String example = Files.readString(EXAMPLE);
        String body = example.substring(example.indexOf("public class"));
        assertTrue(readme.contains(body.strip()), "README.md must contain examples/DeferredAcceptServer.java from 'public class' on");
    }

    @Test
    void exampleServesRequestsWithDeferralOn() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String cp = ForkedJvm.locationOf(ServerSockets.class) + File.pathSeparator
                + ForkedJvm.locationOf(LinuxServerSocketsProvider.class);
        Process server = new ProcessBuilder(ForkedJvm.javaBinary(), "--enable-native-access=ALL-UNNAMED",
                "-cp", cp, EXAMPLE.toString(), String.valueOf(port), "3")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            InputStream out = server.getInputStream();
            StringBuilder banner = new StringBuilder();
            int ch;
            while ((ch = out.read()) != -1 && ch != '\n') {
                banner.append((char) ch);
            }
            assertTrue(banner.toString().contains("listening on /127.0.0.1:" + port), banner.toString());
            for (int i = 0; i < 3; i++) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setSoTimeout(10_000);
                    OutputStream o = s.getOutputStream();
                    o.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    assertTrue(response.startsWith("HTTP/1.0 200 OK"), response);
                    assertTrue(response.endsWith("ok\n"), response);
                }
            }
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the example stops after 3 requests");
            assertEquals(0, server.exitValue());
        } finally {
            server.destroyForcibly();
        }
    }
}
