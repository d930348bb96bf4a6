// JVM options shared by the Java services: small heaps and quick start on a shared 2-core machine.
export function jvmOptions(heapMb: number): string[] {
  return [
    '-Xms32m',
    `-Xmx${heapMb}m`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    '-Djava.net.preferIPv4Stack=true',
    // Timestamps for the services that log through slf4j-simple (ZooKeeper, Kafka).
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
  ];
}

/** `dir/*`: every jar of a directory, as the JVM expands it. */
export function jarsIn(dir: string): string {
  return `${dir}/*`;
}
