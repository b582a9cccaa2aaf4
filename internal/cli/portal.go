package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/cunshe/cunshe-operator/internal/portal"
)

func newPortalCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "portal",
		Short: "村（社区）公开栏 / the public portal (S9, S10)",
		Args:  exactArgs(),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newPortalExportCommand())
	return cmd
}

type portalExportOptions struct {
	kube      *clusterFlags
	publicURL string
	villages  []string
}

func newPortalExportCommand() *cobra.Command {
	var o portalExportOptions
	cmd := &cobra.Command{
		Use:   "export DIR",
		Short: "把公开栏导出为静态文件 / render the portal to static files",
		Long: `把运营方门户的全部页面（首页、区县和乡镇（街道）页、每个村（社区）的页面、二维码及 A4 打印页、
流程图、牌子图、部门履职页）导出到 DIR，供通过 CDN 或现有政府网站发布：与运营方提供的页面完全相同
（同一套模板、同一个处理程序），以 / 结尾的地址对应目录中的 index.html。只有搜索框需要运营方在线服务。
二维码指向 --public-url。

Renders every page of the portal (home, counties and townships, each
village's page, its QR codes and A4 sheet, flowcharts, boards, department
summaries) into DIR, for a city that publishes through a CDN or an existing
government site: the same pages the operator serves (same templates, same
handler); an address ending in / is the folder's index.html. Only the
search box needs the live portal. The QR codes point at --public-url.`,
		Example: `  kubectl cunshe portal export site/ --public-url https://cunshe.wenzhou.gov.cn
  kubectl cunshe portal export site/ --public-url https://cunshe.wenzhou.gov.cn --village 330302006044`,
		Args: exactArgs("DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.publicURL == "" {
				return usageError(cmd, fmt.Errorf("缺少 --public-url：二维码要指向居民访问的地址 / --public-url is required: the QR codes point at it"))
			}
			return portalExport(cmd, o, args[0])
		},
	}
	cmd.Flags().StringVar(&o.publicURL, "public-url", "", "居民访问公开栏的地址（二维码内容）/ the address residents reach the portal at (what the QR codes hold)")
	cmd.Flags().StringSliceVar(&o.villages, "village", nil, "只导出这些村（社区）（12 位代码，可重复）/ export only these villages (12-digit codes, repeatable)")
	o.kube = addClusterFlags(cmd, false)
	return cmd
}

func portalExport(cmd *cobra.Command, o portalExportOptions, dir string) error {
	c, err := o.kube.connect(cmd)
	if err != nil {
		return err
	}
	start := time.Now()
	snap, err := portal.Build(cmd.Context(), c)
	if err != nil {
		return fmt.Errorf("读取集群失败 / reading the cluster: %w", err)
	}
	for _, code := range o.villages {
		if snap.Village(code) == nil {
			return inputError(fmt.Errorf("没有代码为 %q 的村（社区）/ no village has the code %q", code, code))
		}
	}
	site := portal.NewSite(o.publicURL)
	site.SetSnapshot(snap)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("无法创建输出目录 / creating the output folder: %w", err)
	}
	n, err := portal.Export(cmd.Context(), site, dir, portal.ExportOptions{Villages: o.villages})
	if err != nil {
		return fmt.Errorf("导出失败 / export failed: %w", err)
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "已导出 %d 个文件到 %s（%.1f 秒）/ wrote %d files to %s (%.1f s)\n",
		n, dir, time.Since(start).Seconds(), n, dir, time.Since(start).Seconds())
	return err
}
