// The process behind startEchoServer (tcp-echo.ts).
import { serveEcho } from './tcp-echo.ts';

serveEcho();
