// One HDFS NameNode and one DataNode in a single JVM, configured by the core-site.xml and
// hdfs-site.xml found on the classpath (written by infra/services/hdfs.ts). Formats the NameNode
// on the first start, then serves until the process is told to stop.
//
// Usage: java -cp CONF_DIR:JARS/* HdfsLauncher NAME_DIR
import java.io.File;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.server.datanode.DataNode;
import org.apache.hadoop.hdfs.server.namenode.NameNode;
import org.apache.hadoop.metrics2.lib.DefaultMetricsSystem;

public final class HdfsLauncher {
  private HdfsLauncher() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: HdfsLauncher NAME_DIR");
      System.exit(2);
    }
    try {
      run(new File(args[0]));
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(File nameDir) throws Exception {
    // Formatting and serving in one JVM registers the same metrics sources twice.
    DefaultMetricsSystem.setMiniClusterMode(true);
    Configuration conf = new HdfsConfiguration();
    File version = new File(new File(nameDir, "current"), "VERSION");
    if (!version.exists()) {
      NameNode.format(conf);
    }
    NameNode nameNode = NameNode.createNameNode(new String[0], conf);
    DataNode dataNode = DataNode.createDataNode(new String[0], conf);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      dataNode.shutdown();
      nameNode.stop();
    }));
    System.err.println("HdfsLauncher: NameNode and DataNode started");
    nameNode.join();
    System.exit(0);
  }
}
